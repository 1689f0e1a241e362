// The thin GitHub layer against GitHub's API mocked with nock, through the same authenticated
// Probot Octokit the app uses: the exact requests Flotilla makes, and the lookups that keep
// creations idempotent after a crash.
import nock from "nock";
import { Probot } from "probot";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createCheckRun,
  findNewestCheckRunByExternalId,
  updateCheckRun,
} from "../../src/github/check-runs.ts";
import { FlotillaOctokit, type GitHubClient } from "../../src/github/github-app.ts";
import { findIssueCommentWithMarker } from "../../src/github/issue-comments.ts";
import { getPermissionLevel, meetsPermission } from "../../src/github/permissions.ts";
import { createPullRequest, findPullRequestByHead, getPullRequest } from "../../src/github/pull-requests.ts";
import { testAppCredentials } from "../support/app-credentials.ts";

const api = "https://api.github.com";
const repository = { owner: "octo-org", repo: "demo" };
let client: GitHubClient;

beforeAll(async () => {
  nock.disableNetConnect();
  const credentials = testAppCredentials();
  const probot = new Probot({
    appId: credentials.appId,
    privateKey: credentials.privateKey,
    Octokit: FlotillaOctokit,
  });
  nock(api)
    .post("/app/installations/42/access_tokens")
    .reply(201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z" });
  client = await probot.auth(42);
});

afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});

afterAll(() => {
  nock.enableNetConnect();
});

const content = {
  name: "agent: fix-tests",
  headSha: "a".repeat(40),
  externalId: "r1/fix-tests",
  status: "in_progress" as const,
  title: "running",
  summary: "**Task:** fix the tests",
  actions: [{ label: "Cancel", identifier: "cancel", description: "Stop this agent" }],
};

describe("check runs", () => {
  it("creates one with the agent id as external_id and updates it in place", async () => {
    nock(api)
      .post("/repos/octo-org/demo/check-runs", (body) => {
        expect(body).toMatchObject({
          name: "agent: fix-tests",
          head_sha: content.headSha,
          external_id: "r1/fix-tests",
          status: "in_progress",
          output: { title: "running", summary: "**Task:** fix the tests" },
          actions: content.actions,
        });
        return true;
      })
      .matchHeader("authorization", "token ghs_test")
      .reply(201, { id: 77, html_url: "https://github.com/octo-org/demo/runs/77" });
    expect(await createCheckRun(client, repository, content)).toEqual({
      id: 77,
      url: "https://github.com/octo-org/demo/runs/77",
    });

    nock(api)
      .patch(
        "/repos/octo-org/demo/check-runs/77",
        (body) => body.status === "completed" && body.conclusion === "success",
      )
      .reply(200, { id: 77 });
    await updateCheckRun(client, repository, 77, { ...content, status: "completed", conclusion: "success" });
  });

  it("finds the newest check run with the agent's external_id among all of the commit's", async () => {
    const run = (id: number, externalId: string, status: string) => ({
      id,
      external_id: externalId,
      status,
      conclusion: status === "completed" ? "cancelled" : null,
      html_url: `https://github.com/octo-org/demo/runs/${id}`,
    });
    nock(api)
      .get(`/repos/octo-org/demo/commits/${content.headSha}/check-runs`)
      .query({ check_name: "agent: fix-tests", filter: "all", per_page: "100" })
      .reply(200, {
        total_count: 4,
        check_runs: [
          run(9, "r1/fix-tests", "in_progress"),
          run(5, "r9/other", "in_progress"),
          run(6, "r1/fix-tests", "completed"),
          run(12, "r9/other", "queued"),
        ],
      });
    expect(
      await findNewestCheckRunByExternalId(client, repository, content.headSha, content.name, "r1/fix-tests"),
    ).toEqual({
      id: 9,
      url: "https://github.com/octo-org/demo/runs/9",
      status: "in_progress",
      conclusion: null,
    });
  });
});

describe("pull requests", () => {
  it("reads a pull request's head and tells a fork apart", async () => {
    nock(api)
      .get("/repos/octo-org/demo/pulls/7")
      .reply(200, {
        number: 7,
        state: "open",
        locked: false,
        head: { sha: "b".repeat(40), ref: "feature", repo: { full_name: "someone/demo" } },
        base: { ref: "main" },
      });
    expect(await getPullRequest(client, repository, 7)).toMatchObject({ headRef: "feature", isFork: true });
  });

  it("looks for an agent's pull request by head branch before opening one", async () => {
    nock(api)
      .get("/repos/octo-org/demo/pulls")
      .query({ head: "octo-org:agents/r1/fix-tests", state: "all", per_page: "10" })
      .reply(200, []);
    expect(await findPullRequestByHead(client, repository, "agents/r1/fix-tests")).toBeUndefined();
    nock(api)
      .post("/repos/octo-org/demo/pulls", {
        title: "Fix the tests",
        body: "Done.",
        head: "agents/r1/fix-tests",
        base: "feature",
      })
      .reply(201, { number: 12, html_url: "https://github.com/octo-org/demo/pull/12" });
    expect(
      await createPullRequest(client, repository, {
        title: "Fix the tests",
        body: "Done.",
        head: "agents/r1/fix-tests",
        base: "feature",
      }),
    ).toEqual({ number: 12, url: "https://github.com/octo-org/demo/pull/12" });
  });
});

describe("tracking comment lookup", () => {
  it("pages through the comments for the run's hidden marker", async () => {
    nock(api)
      .get("/repos/octo-org/demo/issues/7/comments")
      .query({ per_page: "100" })
      .reply(200, [{ id: 1, body: "hello" }], {
        link: `<${api}/repos/octo-org/demo/issues/7/comments?per_page=100&page=2>; rel="next"`,
      })
      .get("/repos/octo-org/demo/issues/7/comments")
      .query({ per_page: "100", page: "2" })
      .reply(200, [{ id: 2, body: "<!-- flotilla:run:r1 -->\n### 🚢 Flotilla run" }]);
    expect(await findIssueCommentWithMarker(client, repository, 7, "<!-- flotilla:run:r1 -->")).toBe(2);
  });
});

describe("permissions", () => {
  it("reads the collaborator permission, telling maintain and triage apart", async () => {
    nock(api)
      .get("/repos/octo-org/demo/collaborators/mia/permission")
      .reply(200, { permission: "write", role_name: "maintain", user: { login: "mia" } })
      .get("/repos/octo-org/demo/collaborators/tom/permission")
      .reply(200, { permission: "read", role_name: "triage", user: { login: "tom" } });
    const mia = await getPermissionLevel(client, repository, "mia");
    const tom = await getPermissionLevel(client, repository, "tom");
    expect([mia, tom]).toEqual(["maintain", "triage"]);
    expect(meetsPermission(mia, "write")).toBe(true);
    expect(meetsPermission(tom, "write")).toBe(false);
  });
});
