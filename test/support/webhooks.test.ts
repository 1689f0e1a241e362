// Deliveries built from the real examples reach a real Probot webhook server over HTTP, signed
// the way GitHub signs them; the signature is checked against @octokit/webhooks-methods.
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { verify } from "@octokit/webhooks-methods";
import { type Context, createNodeMiddleware, Probot } from "probot";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { testAppCredentials } from "./app-credentials.ts";
import {
  checkRunRequestedAction,
  issueCommentCreated,
  postWebhook,
  pullRequestReviewCommentCreated,
  signWebhook,
} from "./webhooks.ts";

const credentials = testAppCredentials();
const target = { owner: "acme", repo: "widgets", cloneUrl: "/tmp/acme-widgets.git", installationId: 42 };

interface Received {
  name: string;
  payload: Context["payload"];
  isBot: boolean;
  issue: { owner: string; repo: string; issue_number: number };
}

const received: Received[] = [];
let server: Server;
let webhookUrl: string;

beforeAll(async () => {
  const probot = new Probot({ ...credentials, secret: credentials.webhookSecret, logLevel: "fatal" });
  const middleware = await createNodeMiddleware(
    (app: Probot) => {
      app.on(
        ["issue_comment.created", "pull_request_review_comment.created", "check_run.requested_action"],
        async (context) => {
          received.push({
            name: context.name,
            payload: context.payload,
            isBot: context.isBot,
            issue: context.issue(),
          });
        },
      );
    },
    { probot },
  );
  server = createServer((request, response) => {
    void middleware(request, response, () => response.writeHead(404).end());
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/github/webhooks`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  received.length = 0;
});

describe("signWebhook", () => {
  it("produces the X-Hub-Signature-256 that @octokit/webhooks-methods verifies, and only for that body", async () => {
    const body = JSON.stringify(
      issueCommentCreated({ ...target, issueNumber: 1, isPullRequest: false, body: "hi" }).payload,
    );

    const signature = signWebhook(body, "secret-1");

    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(await verify("secret-1", body, signature)).toBe(true);
    expect(await verify("secret-2", body, signature)).toBe(false);
    expect(await verify("secret-1", `${body} `, signature)).toBe(false);
  });
});

describe("deliveries to a real Probot server", () => {
  it("delivers an issue_comment on a pull request built from the real example", async () => {
    const delivery = issueCommentCreated({
      ...target,
      issueNumber: 7,
      isPullRequest: true,
      body: "/agents run fix the flaky test",
      login: "alice",
      commentId: 123,
      locked: true,
    });

    const response = await postWebhook(webhookUrl, delivery, credentials.webhookSecret);

    expect(response.status).toBe(200);
    expect(received).toHaveLength(1);
    const [event] = received;
    expect(event?.name).toBe("issue_comment");
    expect(event?.isBot).toBe(false);
    expect(event?.issue).toEqual({ owner: "acme", repo: "widgets", issue_number: 7 });
    expect(event?.payload).toMatchObject({
      action: "created",
      installation: { id: 42 },
      repository: {
        name: "widgets",
        full_name: "acme/widgets",
        owner: { login: "acme" },
        clone_url: "/tmp/acme-widgets.git",
        html_url: "https://github.com/acme/widgets",
        default_branch: "main",
      },
      issue: {
        number: 7,
        locked: true,
        state: "open",
        title: "Spelling error in the README file",
        pull_request: { url: "https://api.github.com/repos/acme/widgets/pulls/7" },
      },
      comment: { id: 123, body: "/agents run fix the flaky test", user: { login: "alice", type: "User" } },
      sender: { login: "alice", type: "User" },
    });
  });

  it("leaves pull_request out for a plain issue and marks bot authors", async () => {
    const delivery = issueCommentCreated({
      ...target,
      issueNumber: 3,
      isPullRequest: false,
      body: "/agents status",
      login: "flotilla[bot]",
      userType: "Bot",
    });

    await postWebhook(webhookUrl, delivery, credentials.webhookSecret);

    expect(received[0]?.isBot).toBe(true);
    expect(received[0]?.payload).not.toHaveProperty("issue.pull_request");
    expect(received[0]?.payload).toMatchObject({
      comment: { user: { login: "flotilla[bot]", type: "Bot" } },
    });
  });

  it("delivers a pull_request_review_comment with the head, path, line and diff hunk", async () => {
    const delivery = pullRequestReviewCommentCreated({
      ...target,
      pullNumber: 9,
      body: "/agents run rename this",
      path: "src/app.ts",
      line: 12,
      diffHunk: "@@ -10,3 +10,3 @@\n-old\n+new",
      headRef: "feature/x",
      headSha: "a".repeat(40),
      baseSha: "b".repeat(40),
      commentId: 456,
    });

    const response = await postWebhook(webhookUrl, delivery, credentials.webhookSecret);

    expect(response.status).toBe(200);
    expect(received[0]?.name).toBe("pull_request_review_comment");
    expect(received[0]?.payload).toMatchObject({
      installation: { id: 42 },
      comment: {
        id: 456,
        path: "src/app.ts",
        line: 12,
        diff_hunk: "@@ -10,3 +10,3 @@\n-old\n+new",
        commit_id: "a".repeat(40),
      },
      pull_request: {
        number: 9,
        head: {
          ref: "feature/x",
          sha: "a".repeat(40),
          repo: { full_name: "acme/widgets", clone_url: "/tmp/acme-widgets.git" },
        },
        base: { ref: "main", sha: "b".repeat(40), repo: { full_name: "acme/widgets" } },
      },
    });
  });

  it("delivers a check_run requested_action with the button's identifier", async () => {
    const delivery = checkRunRequestedAction({
      ...target,
      checkRunId: 789,
      externalId: "agent-3",
      identifier: "cancel",
      headSha: "c".repeat(40),
      login: "bob",
    });

    await postWebhook(webhookUrl, delivery, credentials.webhookSecret);

    expect(received[0]?.name).toBe("check_run");
    expect(received[0]?.payload).toMatchObject({
      action: "requested_action",
      installation: { id: 42 },
      requested_action: { identifier: "cancel" },
      check_run: {
        id: 789,
        external_id: "agent-3",
        head_sha: "c".repeat(40),
        check_suite: { head_sha: "c".repeat(40) },
      },
      repository: { full_name: "acme/widgets", url: "https://api.github.com/repos/acme/widgets" },
      sender: { login: "bob" },
    });
  });

  it("is refused when signed with another secret", async () => {
    const delivery = issueCommentCreated({
      ...target,
      issueNumber: 1,
      isPullRequest: true,
      body: "/agents run x",
    });

    const response = await postWebhook(webhookUrl, delivery, "not-the-secret");

    expect(response.status).toBe(400);
    expect(received).toEqual([]);
  });

  it("gives every delivery its own id", () => {
    const options = { ...target, issueNumber: 1, isPullRequest: false, body: "x" };
    const first = issueCommentCreated(options);
    const second = issueCommentCreated(options);

    expect(first.id).not.toBe(second.id);
    expect(first.payload.comment.id).not.toBe(second.payload.comment.id);
  });
});
