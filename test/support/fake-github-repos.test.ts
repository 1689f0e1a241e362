// Pull requests and contents on the fake GitHub, alone and linked to a real bare repository,
// and Probot's `context.config` reading `.github/agents.yml` through it.
import { execa } from "execa";
import { Probot, ProbotOctokit } from "probot";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { testAppCredentials } from "./app-credentials.ts";
import { FakeGitHub } from "./fake-github.ts";
import { type BareRemote, createBareRemote, isolatedGitEnv } from "./git-fixtures.ts";
import { issueCommentCreated } from "./webhooks.ts";

const credentials = testAppCredentials();
const owner = "acme";
const repo = "widgets";

// Function-form defaults: Probot 14 passes its own `throttle`, which would replace an object default.
const UnthrottledOctokit = ProbotOctokit.defaults(
  (options: ConstructorParameters<typeof ProbotOctokit>[0]) => ({
    ...options,
    retry: { enabled: false },
    throttle: { ...options?.throttle, enabled: false },
  }),
);

let fake: FakeGitHub;
let probot: Probot;
let octokit: Awaited<ReturnType<Probot["auth"]>>;
let remote: BareRemote;

// The remote is only read (pull requests and contents never push), so one serves every test.
beforeAll(async () => {
  remote = await createBareRemote({
    files: { "README.md": "# widgets\n", ".github/agents.yml": "maxDepth: 3\nallow:\n  - write\n" },
    branches: { feature: { "src/feature.ts": "export const feature = 1;\n" } },
  });
});

afterAll(async () => {
  await remote.cleanup();
});

beforeEach(async () => {
  fake = new FakeGitHub({ appId: credentials.appId, privateKey: credentials.privateKey });
  await fake.start();
  probot = new Probot({
    ...credentials,
    baseUrl: fake.apiBaseUrl,
    logLevel: "fatal",
    Octokit: UnthrottledOctokit,
  });
  octokit = await probot.auth(1);
});

afterEach(async () => {
  await fake.stop();
});

describe("pull requests", () => {
  it("serves a configured pull request with head and base repositories, including a fork", async () => {
    fake.addRepository({ owner, repo, cloneUrl: remote.cloneUrl });
    fake.addRepository({ owner: "forker", repo, cloneUrl: "/tmp/fork.git" });
    const number = await fake.addPullRequest({
      owner,
      repo,
      number: 12,
      locked: true,
      head: { ref: "patch-1", sha: "a".repeat(40), owner: "forker" },
      base: { ref: "main", sha: "b".repeat(40) },
    });

    const { data } = await octokit.rest.pulls.get({ owner, repo, pull_number: number });

    expect(number).toBe(12);
    expect(data).toMatchObject({
      number: 12,
      state: "open",
      locked: true,
      head: {
        ref: "patch-1",
        sha: "a".repeat(40),
        label: "forker:patch-1",
        repo: { full_name: "forker/widgets", clone_url: "/tmp/fork.git" },
      },
      base: {
        ref: "main",
        sha: "b".repeat(40),
        repo: { full_name: "acme/widgets", clone_url: remote.cloneUrl },
      },
    });
    await expect(octokit.rest.pulls.get({ owner, repo, pull_number: 13 })).rejects.toMatchObject({
      status: 404,
    });
  });

  it("creates pull requests from real branches, refusing unknown branches, duplicates and empty ones", async () => {
    fake.addRepository({ owner, repo, gitDir: remote.bareDir, cloneUrl: remote.cloneUrl });

    const { data: created, status } = await octokit.rest.pulls.create({
      owner,
      repo,
      title: "Agent: feature",
      head: "feature",
      base: "main",
      body: "Made by an agent",
    });
    const failures = await Promise.allSettled([
      octokit.rest.pulls.create({ owner, repo, title: "again", head: `${owner}:feature`, base: "main" }),
      octokit.rest.pulls.create({ owner, repo, title: "nope", head: "no-such-branch", base: "main" }),
      octokit.rest.pulls.create({ owner, repo, title: "nope", head: "feature", base: "no-such-base" }),
      octokit.rest.pulls.create({ owner, repo, title: "empty", head: "main", base: "main" }),
      // An untyped route: the typed one would not let a test leave out `base`.
      octokit.request(`POST /repos/${owner}/${repo}/pulls`, { title: "no base", head: "feature" }),
    ]);

    expect(status).toBe(201);
    expect(created).toMatchObject({
      number: 1,
      title: "Agent: feature",
      body: "Made by an agent",
      user: { login: "flotilla[bot]", type: "Bot" },
      head: { ref: "feature", sha: await remote.headSha("feature") },
      base: { ref: "main", sha: await remote.headSha("main") },
    });
    const errorOf = (result: PromiseSettledResult<unknown>) =>
      result.status === "rejected"
        ? (result.reason.response.data.errors?.[0] ?? result.reason.response.data.message)
        : undefined;
    expect(failures.map(errorOf)).toEqual([
      { resource: "PullRequest", code: "custom", message: "A pull request already exists for acme:feature." },
      { resource: "PullRequest", field: "head", code: "invalid" },
      { resource: "PullRequest", field: "base", code: "invalid" },
      { resource: "PullRequest", code: "custom", message: "No commits between main and main" },
      // GitHub's own description requires `base`: refused before the branches are looked at.
      `Invalid request.\n\n"base" wasn't supplied.`,
    ]);
    expect(fake.pullRequests(owner, repo).map((pull) => pull.number)).toEqual([1]);
    // A duplicate made by a race is GitHub's answer, not a broken rule; the other four are.
    expect(fake.takeViolations().map((violation) => violation.rule)).toEqual(
      expect.arrayContaining([
        "PullRequest.head: invalid",
        "PullRequest.base: invalid",
        "No commits between main and main",
        `Invalid request.\n\n"base" wasn't supplied.`,
      ]),
    );
    expect(fake.violations()).toEqual([]);
  });

  it("lists by head, base and state, and updates title, body and state", async () => {
    const sha = "c".repeat(40);
    await fake.addPullRequest({ owner, repo, head: { ref: "one", sha }, base: { ref: "main", sha } });
    await fake.addPullRequest({ owner, repo, head: { ref: "two", sha }, base: { ref: "main", sha } });
    await fake.addPullRequest({ owner, repo, head: { ref: "three", sha }, base: { ref: "develop", sha } });

    const { data: closed } = await octokit.rest.pulls.update({
      owner,
      repo,
      pull_number: 2,
      state: "closed",
      title: "Two",
    });
    const listed = async (query: { head?: string; base?: string; state?: "open" | "closed" | "all" }) =>
      (await octokit.rest.pulls.list({ owner, repo, ...query })).data.map((pull) => pull.number);

    expect(closed).toMatchObject({ number: 2, state: "closed", title: "Two" });
    expect(closed.closed_at).not.toBeNull();
    expect(await listed({})).toEqual([3, 1]);
    expect(await listed({ state: "all" })).toEqual([3, 2, 1]);
    expect(await listed({ state: "closed" })).toEqual([2]);
    expect(await listed({ head: `${owner}:one` })).toEqual([1]);
    expect(await listed({ head: "other-owner:one" })).toEqual([]);
    expect(await listed({ base: "develop" })).toEqual([3]);
    expect(await listed({ head: `${owner}:two`, state: "all" })).toEqual([2]);
  });
});

describe("contents", () => {
  it("serves files like GitHub: base64 JSON with git's blob sha, or raw text on request, 404 otherwise", async () => {
    const yaml = "maxDepth: 2\n# ünïcode\n";
    fake.setFile(owner, repo, ".github/agents.yml", yaml);

    const { data } = await octokit.rest.repos.getContent({ owner, repo, path: ".github/agents.yml" });
    const raw = await octokit.rest.repos.getContent({
      owner,
      repo,
      path: ".github/agents.yml",
      mediaType: { format: "raw" },
    });
    const listing = await octokit.rest.repos.getContent({ owner, repo, path: ".github" });

    const { stdout: gitSha } = await execa("git", ["hash-object", "--stdin"], {
      input: yaml,
      env: isolatedGitEnv,
    });
    expect(data).toMatchObject({
      type: "file",
      encoding: "base64",
      path: ".github/agents.yml",
      name: "agents.yml",
      sha: gitSha,
    });
    const file = data as { content: string; size: number };
    expect(Buffer.from(file.content, "base64").toString("utf8")).toBe(yaml);
    expect(file.size).toBe(Buffer.byteLength(yaml));
    expect(raw.data).toBe(yaml);
    expect(listing.data).toEqual([
      expect.objectContaining({ name: "agents.yml", type: "file", sha: gitSha }),
    ]);
    await expect(octokit.rest.repos.getContent({ owner, repo, path: "missing.yml" })).rejects.toMatchObject({
      status: 404,
    });
    await expect(
      octokit.rest.repos.getContent({ owner, repo, path: ".github/agents.yml", ref: "other-branch" }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it("serves the linked repository's files per branch", async () => {
    fake.addRepository({ owner, repo, gitDir: remote.bareDir });

    const onFeature = await octokit.rest.repos.getContent({
      owner,
      repo,
      path: "src/feature.ts",
      ref: "feature",
      mediaType: { format: "raw" },
    });
    const onMain = await octokit.rest.repos
      .getContent({ owner, repo, path: "src/feature.ts" })
      .catch((error) => error);
    const { data: root } = await octokit.rest.repos.getContent({ owner, repo, path: "src", ref: "feature" });

    expect(onFeature.data).toBe("export const feature = 1;\n");
    expect(onMain).toMatchObject({ status: 404 });
    expect(root).toEqual([
      expect.objectContaining({ name: "feature.ts", path: "src/feature.ts", type: "file" }),
    ]);
  });
});

describe("Probot's context.config", () => {
  /** Loads an app that reads `agents.yml` on a comment, delivers one comment, returns what it read. */
  async function configSeenByApp(): Promise<unknown> {
    let seen: unknown = "not called";
    await probot.load((app: Probot) => {
      app.on("issue_comment.created", async (context) => {
        seen = await context.config("agents.yml");
      });
    });
    const delivery = issueCommentCreated({
      owner,
      repo,
      cloneUrl: remote.cloneUrl,
      installationId: 1,
      issueNumber: 1,
      isPullRequest: true,
      body: "/agents run fix it",
    });
    await probot.receive(delivery);
    return seen;
  }

  const contentReads = () =>
    fake.requestLog
      .filter((entry) => entry.path.includes("/contents/"))
      .map((entry) => `${entry.path} ${entry.status}`);

  it("reads .github/agents.yml from the repository in one raw request", async () => {
    fake.addRepository({ owner, repo, gitDir: remote.bareDir });

    expect(await configSeenByApp()).toEqual({ maxDepth: 3, allow: ["write"] });
    expect(contentReads()).toEqual(["/repos/acme/widgets/contents/.github%2Fagents.yml 200"]);
  });

  it("falls back to the owner's .github repository, then to nothing", async () => {
    fake.setFile(owner, ".github", ".github/agents.yml", "maxDepth: 1\n");

    expect(await configSeenByApp()).toEqual({ maxDepth: 1 });
    expect(contentReads()).toEqual([
      "/repos/acme/widgets/contents/.github%2Fagents.yml 404",
      "/repos/acme/.github/contents/.github%2Fagents.yml 200",
    ]);
  });

  it("answers null when neither repository has the file", async () => {
    expect(await configSeenByApp()).toBeNull();
    expect(contentReads()).toEqual([
      "/repos/acme/widgets/contents/.github%2Fagents.yml 404",
      "/repos/acme/.github/contents/.github%2Fagents.yml 404",
    ]);
    expect(fake.unhandledRequests()).toEqual([]);
  });
});
