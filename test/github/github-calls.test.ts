// The thin GitHub layer against the strict stand-in GitHub (test/support/fake-github.ts), through
// the same authenticated Probot Octokit the app uses: what each call leaves on GitHub, and the
// lookups that keep creations idempotent after a crash. The stand-in checks every request
// against GitHub's OpenAPI description and fails the test on any it would refuse.
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  createCheckRun,
  findNewestCheckRunByExternalId,
  updateCheckRun,
} from "../../src/github/check-runs.ts";
import type { GitHubClient } from "../../src/github/github-app.ts";
import { findIssueCommentWithMarker } from "../../src/github/issue-comments.ts";
import { getPermissionLevel, meetsPermission } from "../../src/github/permissions.ts";
import { createPullRequest, findPullRequestByHead, getPullRequest } from "../../src/github/pull-requests.ts";
import { startAppOnStandIn } from "../support/app-on-stand-in.ts";

const repository = { owner: "octo-org", repo: "demo" };
const installationId = 42;
const { github, clientFor } = await startAppOnStandIn(repository, installationId);
const client: GitHubClient = await clientFor(installationId);

afterEach(() => github.expectNoViolations());
afterAll(() => github.stop());

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
    const created = await createCheckRun(client, repository, content);
    const [onGitHub] = github
      .checkRuns(repository.owner, repository.repo)
      .filter((run) => run.id === created.id);
    expect(created.url).toBe(onGitHub?.html_url);
    expect(onGitHub).toMatchObject({
      name: "agent: fix-tests",
      head_sha: content.headSha,
      external_id: "r1/fix-tests",
      status: "in_progress",
      output: { title: "running", summary: "**Task:** fix the tests" },
    });
    expect(github.checkRunHistory(created.id).at(-1)?.actions).toEqual(content.actions);

    await updateCheckRun(client, repository, created.id, {
      ...content,
      status: "completed",
      conclusion: "success",
    });
    const runs = github
      .checkRuns(repository.owner, repository.repo)
      .filter((run) => run.external_id === "r1/fix-tests");
    expect(runs.map((run) => [run.id, run.status, run.conclusion])).toEqual([
      [created.id, "completed", "success"],
    ]);
  });

  it("finds the newest check run with the agent's external_id among all of the commit's", async () => {
    const headSha = "c".repeat(40);
    const create = (externalId: string) =>
      createCheckRun(client, repository, { ...content, headSha, externalId });
    const older = await create("r2/fix-tests");
    await updateCheckRun(client, repository, older.id, {
      ...content,
      headSha,
      externalId: "r2/fix-tests",
      status: "completed",
      conclusion: "cancelled",
    });
    await create("r9/other");
    const newest = await create("r2/fix-tests");
    await create("r9/other");
    expect(
      await findNewestCheckRunByExternalId(client, repository, headSha, content.name, "r2/fix-tests"),
    ).toEqual({ id: newest.id, url: newest.url, status: "in_progress", conclusion: null });
  });
});

describe("pull requests", () => {
  it("reads a pull request's head and tells a fork apart", async () => {
    const number = await github.addPullRequest({
      ...repository,
      head: { ref: "feature", owner: "someone", repo: "demo" },
      base: { ref: "main" },
    });
    expect(await getPullRequest(client, repository, number)).toMatchObject({
      headRef: "feature",
      isFork: true,
    });
  });

  it("looks for an agent's pull request by head branch before opening one", async () => {
    expect(await findPullRequestByHead(client, repository, "agents/r1/fix-tests")).toBeUndefined();
    const opened = await createPullRequest(client, repository, {
      title: "Fix the tests",
      body: "Done.",
      head: "agents/r1/fix-tests",
      base: "feature",
    });
    const [onGitHub] = github
      .pullRequests(repository.owner, repository.repo)
      .filter((pull) => pull.number === opened.number);
    expect(onGitHub).toMatchObject({
      title: "Fix the tests",
      body: "Done.",
      head: { ref: "agents/r1/fix-tests" },
      base: { ref: "feature" },
    });
    expect(opened.url).toBe(onGitHub?.html_url);
    expect(await findPullRequestByHead(client, repository, "agents/r1/fix-tests")).toMatchObject({
      number: opened.number,
    });
  });
});

describe("tracking comment lookup", () => {
  it("pages through the comments for the run's hidden marker", async () => {
    const issue = github.addIssue({ ...repository, title: "a busy issue" });
    for (let index = 0; index < 100; index += 1)
      github.addComment(repository.owner, repository.repo, issue, `hello ${index}`);
    const marked = github.addComment(
      repository.owner,
      repository.repo,
      issue,
      "<!-- flotilla:run:r1 -->\n### 🚢 Flotilla run",
    );
    expect(await findIssueCommentWithMarker(client, repository, issue, "<!-- flotilla:run:r1 -->")).toBe(
      marked,
    );
    expect(
      await findIssueCommentWithMarker(client, repository, issue, "<!-- flotilla:run:r2 -->"),
    ).toBeUndefined();
  });
});

describe("permissions", () => {
  it("reads the collaborator permission, telling maintain and triage apart", async () => {
    github.setPermission("mia", "maintain", repository);
    github.setPermission("tom", "triage", repository);
    const mia = await getPermissionLevel(client, repository, "mia");
    const tom = await getPermissionLevel(client, repository, "tom");
    expect([mia, tom]).toEqual(["maintain", "triage"]);
    expect(meetsPermission(mia, "write")).toBe(true);
    expect(meetsPermission(tom, "write")).toBe(false);
  });
});
