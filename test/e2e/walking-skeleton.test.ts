// The whole path once, for real: a signed webhook POSTed to a running Flotilla process becomes a
// real `claude` run (against a scripted model) in its own worktree, a pushed branch, a check run
// that goes queued → in_progress → completed, a tracking comment and a pull request.
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentQueueName } from "../../src/queue/agent-queue.ts";
import { IntakeQueue } from "../../src/queue/intake-queue.ts";
import { testAppCredentials } from "../support/app-credentials.ts";
import { deliveryProcessed } from "../support/delivery-processed.ts";
import { FakeGitHub, probotEnvFor } from "../support/fake-github.ts";
import { type RunningFlotilla, removeDataDir, startFlotillaProcess } from "../support/flotilla-process.ts";
import { type BareRemote, createBareRemote } from "../support/git-fixtures.ts";
import { GitHttpServer } from "../support/git-http-server.ts";
import { ScriptedModel } from "../support/scripted-model.ts";
import { testRedisUrl, useTestRedis } from "../support/test-redis.ts";
import { waitFor } from "../support/wait-for.ts";
import { issueCommentCreated, postWebhook } from "../support/webhooks.ts";

const owner = "octo-org";
const repo = "demo";
const installationId = 4242;
const webhookSecret = "e2e-webhook-secret";
const greeting = "Hello from a Flotilla agent!\n";

let remote: BareRemote;
let github: FakeGitHub;
let gitServer: GitHttpServer;
let cloneUrl: string;
let model: ScriptedModel;
let flotilla: RunningFlotilla;
let queue: Queue;
// Keys of this file's own, removed (and the connection closed) after its last test.
const { redis, prefix } = useTestRedis();
const intake = new IntakeQueue(redis, prefix);

/** Posts a signed delivery; after a 2xx, waits until the delivery consumer has processed it. */
async function post(delivery: { id: string; name: string; payload: unknown }, secret = webhookSecret) {
  const response = await postWebhook(`${flotilla.url}/api/github/webhooks`, delivery, secret);
  if (response.status >= 200 && response.status < 300) await deliveryProcessed(intake, delivery.id);
  return response;
}

beforeAll(async () => {
  remote = await createBareRemote({
    files: { "README.md": "# demo\n" },
    branches: { "feature/login": { "src/login.ts": "export const login = () => true;\n" } },
  });
  const credentials = testAppCredentials();
  github = new FakeGitHub({ appId: credentials.appId, privateKey: credentials.privateKey, installationId });
  await github.start();
  gitServer = new GitHttpServer(github);
  await gitServer.start();
  cloneUrl = gitServer.serve(owner, repo, remote.bareDir);
  github.addRepository({ owner, repo, cloneUrl, gitDir: remote.bareDir, installationId });
  await github.addPullRequest({
    owner,
    repo,
    number: 7,
    head: { ref: "feature/login" },
    base: { ref: "main" },
  });
  await github.addPullRequest({
    owner,
    repo,
    number: 8,
    head: { ref: "feature/login", owner: "someone-else", repo: "demo-fork" },
    base: { ref: "main" },
  });
  github.setPermission("alice", "write");
  github.setPermission("rita", "read");

  model = new ScriptedModel();
  model.script("write-greeting", ({ step, cwd }) =>
    step === 0
      ? { toolCalls: [{ name: "Write", input: { file_path: `${cwd}/GREETING.md`, content: greeting } }] }
      : { text: "Added GREETING.md with a friendly greeting." },
  );
  await model.start();

  flotilla = await startFlotillaProcess({
    env: {
      ...probotEnvFor(github, {
        appId: credentials.appId,
        privateKey: credentials.privateKey,
        webhookSecret,
      }),
      REDIS_URL: testRedisUrl,
      FLOTILLA_REDIS_PREFIX: prefix,
      ANTHROPIC_BASE_URL: model.url,
      ANTHROPIC_API_KEY: "sk-ant-test-upstream-key",
      REPORT_MIN_INTERVAL_MS: "500",
    },
  });
  queue = new Queue(agentQueueName, { connection: redis, prefix });
});

afterAll(async () => {
  await flotilla?.stop();
  await queue?.close();
  await intake.close();
  await model?.stop();
  await gitServer?.stop();
  await remote?.cleanup();
  if (flotilla !== undefined) await removeDataDir(flotilla.dataDir);
  // Last: it fails the file when Flotilla sent GitHub what GitHub would refuse.
  await github?.stop();
});

function comment(
  body: string,
  options: { login?: string; userType?: "User" | "Bot"; issueNumber?: number } = {},
) {
  return issueCommentCreated({
    owner,
    repo,
    cloneUrl,
    installationId,
    issueNumber: options.issueNumber ?? 7,
    isPullRequest: true,
    body,
    login: options.login ?? "alice",
    userType: options.userType ?? "User",
  });
}

async function jobCount(): Promise<number> {
  const counts = await queue.getJobCounts();
  return Object.values(counts).reduce((sum, count) => sum + count, 0);
}

describe("walking skeleton: /agents run → agent → pull request", () => {
  it("runs the real CLI and turns its work into a branch, a check run and a pull request", async () => {
    const delivery = comment("Could you help?\n/agents run [[script:write-greeting]] add a greeting file");
    const response = await post(delivery);
    expect(response.status).toBe(200);

    // 👀 as soon as the delivery is processed.
    expect(github.reactions().map((reaction) => [reaction.commentId, reaction.content])).toEqual([
      [delivery.payload.comment.id, "eyes"],
    ]);

    const checkRun = await waitFor(
      () => github.checkRuns(owner, repo).find((run) => run.status === "completed"),
      { timeoutMs: 90_000, what: "the agent's check run to complete" },
    );
    expect(checkRun.conclusion).toBe("success");
    expect(checkRun.name).toMatch(/^agent: /);
    expect(checkRun.head_sha).toBe(await remote.headSha("feature/login"));
    const states = github.checkRunHistory(checkRun.id).map((event) => event.checkRun.status);
    expect(states[0]).toBe("queued");
    expect(states).toContain("in_progress");
    expect(states.at(-1)).toBe("completed");
    expect(states.indexOf("in_progress")).toBeLessThan(states.lastIndexOf("completed"));
    expect(github.checkRuns(owner, repo)).toHaveLength(1);

    // The agent's branch holds exactly its change on top of the PR head.
    const branch = (await remote.branches()).find((name) => name.startsWith("agents/"));
    expect(branch).toMatch(/^agents\/r[0-9a-f]{12}\/script-write-greeting-add-a-greeting/);
    expect(await remote.readFile(branch!, "GREETING.md")).toBe(greeting);
    expect((await remote.listFiles(branch!)).sort()).toEqual(["GREETING.md", "README.md", "src/login.ts"]);
    // Fetched and pushed over smart HTTP, every request with a token the app was issued.
    const issued = new Set(github.issuedTokens().map((token) => token.token));
    expect(gitServer.requests.length).toBeGreaterThan(0);
    expect(gitServer.requests.filter((entry) => entry.refused !== undefined)).toEqual([]);
    expect(gitServer.requests.every((entry) => entry.token !== undefined && issued.has(entry.token))).toBe(
      true,
    );
    expect(gitServer.pushes().length).toBeGreaterThan(0);

    // One pull request, from the agent's branch into the PR's head branch.
    const pulls = await waitFor(
      () => {
        const found = github.pullRequests(owner, repo).filter((pull) => pull.head.ref === branch);
        return found.length > 0 ? found : undefined;
      },
      { what: "the agent's pull request" },
    );
    expect(pulls).toHaveLength(1);
    expect(pulls[0]?.base.ref).toBe("feature/login");
    expect(pulls[0]?.body).toContain("Added GREETING.md with a friendly greeting.");
    expect(pulls[0]?.body).toContain(delivery.payload.comment.html_url);

    // The check run ends up linking the PR; the tracking comment is one comment.
    await waitFor(
      () => github.checkRuns(owner, repo)[0]?.output.summary?.includes(`#${pulls[0]?.number}`) || undefined,
      {
        what: "the check run to link the pull request",
      },
    );
    const tracking = github.comments(owner, repo, 7).filter((c) => c.body?.includes("flotilla:run:"));
    expect(tracking).toHaveLength(1);
    await waitFor(() => github.comments(owner, repo, 7).find((c) => c.body?.includes("✅ succeeded")), {
      what: "the tracking comment to show the agent succeeded",
    });
  });

  it("starts nothing new when the same delivery arrives twice", async () => {
    const delivery = comment("/agents run [[script:write-greeting]] add another greeting");
    const before = github.checkRuns(owner, repo).length;
    const first = await post(delivery);
    const second = await post(delivery);
    expect([first.status, second.status]).toEqual([200, 200]);
    await waitFor(
      () =>
        github.checkRuns(owner, repo).filter((run) => run.status === "completed").length === before + 1 ||
        undefined,
      {
        timeoutMs: 90_000,
        what: "the one new agent to finish",
      },
    );
    expect(github.checkRuns(owner, repo)).toHaveLength(before + 1);
    const jobs = await queue.getJobs(["completed", "active", "waiting", "delayed", "failed"]);
    expect(jobs.filter((job) => job.id?.includes("add-another"))).toHaveLength(1);
  });

  it("refuses a commenter without write access, with a reply and no job", async () => {
    const jobsBefore = await jobCount();
    const checksBefore = github.checkRuns(owner, repo).length;
    const delivery = comment("/agents run do something", { login: "rita" });
    expect((await post(delivery)).status).toBe(200);
    const reply = github.comments(owner, repo, 7).find((c) => c.body?.includes("@rita"));
    expect(reply?.body).toMatch(/only people with \*\*write\*\* access/);
    expect(reply?.body).toContain("your access is **read**");
    expect(await jobCount()).toBe(jobsBefore);
    expect(github.checkRuns(owner, repo)).toHaveLength(checksBefore);
  });

  it("ignores comments by bots entirely", async () => {
    const jobsBefore = await jobCount();
    const commentsBefore = github.comments(owner, repo, 7).length;
    const checkRunsBefore = github.checkRuns(owner, repo).length;
    const delivery = comment("/agents run do something", { login: "some-app[bot]", userType: "Bot" });
    expect((await post(delivery)).status).toBe(200);
    // Not even stored, so nothing can come of it later.
    expect(await intake.state(delivery.id)).toBe("absent");
    expect(
      github.reactions().filter((reaction) => reaction.commentId === delivery.payload.comment.id),
    ).toEqual([]);
    expect(github.comments(owner, repo, 7)).toHaveLength(commentsBefore);
    expect(github.checkRuns(owner, repo)).toHaveLength(checkRunsBefore);
    expect(await jobCount()).toBe(jobsBefore);
  });

  it("refuses a pull request from a fork, with a reply and no job", async () => {
    const jobsBefore = await jobCount();
    const delivery = comment("/agents run fix it", { issueNumber: 8 });
    expect((await post(delivery)).status).toBe(200);
    const reply = github.comments(owner, repo, 8).find((c) => c.body?.includes("fork"));
    expect(reply?.body).toContain("does not let Flotilla run agents on forks");
    expect(reply?.body).toContain("allow_forks: true");
    expect(await jobCount()).toBe(jobsBefore);
  });

  it("rejects a bad signature with no side effect", async () => {
    const requestsBefore = github.requestLog.length;
    const jobsBefore = await jobCount();
    const delivery = comment("/agents run [[script:write-greeting]] sneaky");
    const response = await post(delivery, "not-the-secret");
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(github.requestLog.length).toBe(requestsBefore);
    expect(await jobCount()).toBe(jobsBefore);
    expect(await intake.state(delivery.id)).toBe("absent");
  });
});
