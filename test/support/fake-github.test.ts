// The fake GitHub driven by Probot's own Octokit (auth-app, paginate, throttling, config plugin),
// in this process and in a separate one configured only by environment, as Flotilla will be.
import { generateKeyPairSync } from "node:crypto";
import { execa } from "execa";
import { Probot, ProbotOctokit } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testAppCredentials } from "./app-credentials.ts";
import { contentWriteRate } from "./fake-github/request-log.ts";
import { FakeGitHub, probotEnvFor, type RequestLogEntry } from "./fake-github.ts";
import { projectRoot } from "./paths.ts";

const credentials = testAppCredentials();
const owner = "acme";
const repo = "widgets";

let fake: FakeGitHub;

beforeEach(async () => {
  fake = new FakeGitHub({ appId: credentials.appId, privateKey: credentials.privateKey });
  await fake.start();
});

afterEach(async () => {
  await fake.stop();
});

/**
 * Probot's Octokit without retries and throttling. It takes the function form of `defaults`:
 * Probot 14 always passes its own `throttle` options, which replace an object default, so
 * `defaults({ throttle: { enabled: false } })` leaves throttling on (1 s between writes, 3 s
 * between comments).
 */
const UnthrottledOctokit = ProbotOctokit.defaults(
  (options: ConstructorParameters<typeof ProbotOctokit>[0]) => ({
    ...options,
    retry: { enabled: false },
    throttle: { ...options?.throttle, enabled: false },
  }),
);

/** A Probot talking to the fake; retries and throttling off unless a test keeps Probot's own. */
function probotFor(options: { privateKey?: string; throttled?: boolean } = {}): Probot {
  return new Probot({
    appId: credentials.appId,
    privateKey: options.privateKey ?? credentials.privateKey,
    baseUrl: fake.apiBaseUrl,
    logLevel: "fatal",
    ...(options.throttled ? {} : { Octokit: UnthrottledOctokit }),
  });
}

describe("app authentication", () => {
  it("mints an installation token for a JWT signed with the app key, then serves calls made with it", async () => {
    fake.setPermission("alice", "maintain");
    const octokit = await probotFor().auth(7);

    const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({
      owner,
      repo,
      username: "alice",
    });

    expect(data.permission).toBe("write");
    expect(data.role_name).toBe("maintain");
    expect(data.user?.login).toBe("alice");
    expect(data.user?.permissions).toMatchObject({ push: true, maintain: true, admin: false });
    const [mint, call] = fake.requestLog;
    expect(mint).toMatchObject({
      method: "POST",
      path: "/app/installations/7/access_tokens",
      auth: "app-jwt",
      status: 201,
    });
    expect(call).toMatchObject({
      method: "GET",
      path: "/repos/acme/widgets/collaborators/alice/permission",
      auth: "installation-token",
      installationId: 7,
      installationToken: "ghs_fake_1",
      status: 200,
    });
    expect(fake.appJwts()).toEqual([
      expect.objectContaining({ issuer: String(credentials.appId), signatureVerified: true }),
    ]);
    expect(fake.issuedTokens()).toEqual([
      expect.objectContaining({ token: "ghs_fake_1", installationId: 7 }),
    ]);
  });

  it("answers read for users without a set permission, and per-repository levels win", async () => {
    fake.setPermission("bob", "admin");
    fake.setPermission("bob", "none", { owner, repo: "secret" });
    const octokit = await probotFor().auth(1);
    const level = async (username: string, name: string) =>
      (await octokit.rest.repos.getCollaboratorPermissionLevel({ owner, repo: name, username })).data
        .permission;

    expect(await level("stranger", repo)).toBe("read");
    expect(await level("bob", repo)).toBe("admin");
    expect(await level("bob", "secret")).toBe("none");
  });

  it("refuses a JWT signed with another key", async () => {
    const otherKey = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      privateKeyEncoding: { type: "pkcs1", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    }).privateKey;
    const octokit = await probotFor({ privateKey: otherKey }).auth(1);

    await expect(octokit.rest.issues.get({ owner, repo, issue_number: 1 })).rejects.toMatchObject({
      status: 401,
    });
    expect(fake.requestLog[0]).toMatchObject({ auth: "invalid", outcome: "unauthorized", status: 401 });
    expect(fake.appJwts()[0]?.signatureVerified).toBe(false);
  });

  it("refuses repository calls without an installation token and app calls without a JWT", async () => {
    const asApp = await probotFor().auth();
    const { token: jwt } = (await asApp.auth({ type: "app" })) as { token: string };
    const { data: minted } = await asApp.rest.apps.createInstallationAccessToken({ installation_id: 3 });
    const issueUrl = `${fake.apiBaseUrl}/repos/${owner}/${repo}/issues/1`;

    const anonymous = await fetch(issueUrl);
    const withJwt = await fetch(issueUrl, { headers: { authorization: `Bearer ${jwt}` } });
    const unknownToken = await fetch(issueUrl, { headers: { authorization: "token ghs_fake_999" } });
    const appWithToken = await fetch(`${fake.apiBaseUrl}/app`, {
      headers: { authorization: `token ${minted.token}` },
    });

    expect([anonymous.status, withJwt.status, unknownToken.status, appWithToken.status]).toEqual([
      401, 401, 401, 401,
    ]);
    expect(await anonymous.json()).toMatchObject({ message: "Bad credentials" });
    expect(await appWithToken.json()).toMatchObject({ message: "A JSON web token could not be decoded" });
    expect((await asApp.request("GET /app")).data).toMatchObject({ id: credentials.appId, slug: "flotilla" });
    expect(
      (await asApp.request("GET /repos/{owner}/{repo}/installation", { owner, repo })).data,
    ).toMatchObject({
      id: 1,
      app_id: credentials.appId,
      account: { login: owner },
    });
  });
});

describe("issues, comments and reactions", () => {
  it("creates, edits and pages through comments like GitHub", async () => {
    const issueNumber = fake.addIssue({ owner, repo, title: "Flaky test" });
    const octokit = await probotFor().auth(1);
    const bodies = ["one", "two", "three", "four", "five"];
    const ids: number[] = [];
    for (const body of bodies) {
      const { data, status } = await octokit.rest.issues.createComment({
        owner,
        repo,
        issue_number: issueNumber,
        body,
      });
      expect(status).toBe(201);
      expect(data.user?.login).toBe("flotilla[bot]");
      ids.push(data.id);
    }
    const edited = await octokit.rest.issues.updateComment({
      owner,
      repo,
      comment_id: ids[1] ?? 0,
      body: "two, edited",
    });

    const firstPage = await octokit.rest.issues.listComments({
      owner,
      repo,
      issue_number: issueNumber,
      per_page: 2,
    });
    const all = await octokit.paginate(octokit.rest.issues.listComments, {
      owner,
      repo,
      issue_number: issueNumber,
      per_page: 2,
    });

    expect(edited.data.body).toBe("two, edited");
    expect(firstPage.data.map((comment) => comment.body)).toEqual(["one", "two, edited"]);
    expect(firstPage.headers.link).toContain('rel="next"');
    expect(firstPage.headers.link).toContain("page=3");
    expect(all.map((comment) => comment.body)).toEqual(["one", "two, edited", "three", "four", "five"]);
    expect(fake.comments(owner, repo, issueNumber).map((comment) => comment.id)).toEqual(ids);
    expect((await octokit.rest.issues.get({ owner, repo, issue_number: issueNumber })).data.comments).toBe(5);
  });

  it("rejects a comment body over 65536 characters with GitHub's 422, accepts one at the limit", async () => {
    const issueNumber = fake.addIssue({ owner, repo });
    const octokit = await probotFor().auth(1);

    const atLimit = await octokit.rest.issues.createComment({
      owner,
      repo,
      issue_number: issueNumber,
      body: "x".repeat(65_536),
    });

    expect(atLimit.status).toBe(201);
    await expect(
      octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body: "x".repeat(65_537) }),
    ).rejects.toMatchObject({
      status: 422,
      response: {
        data: {
          errors: [{ resource: "IssueComment", message: "Body is too long (maximum is 65536 characters)" }],
        },
      },
    });
    expect(fake.comments(owner, repo, issueNumber)).toHaveLength(1);
    expect(fake.takeViolations().map((violation) => violation.rule)).toEqual([
      "Body is too long (maximum is 65536 characters)",
    ]);
  });

  it("answers 404 for comments on unknown issues and shows pull requests as issues with pull_request", async () => {
    const pullNumber = await fake.addPullRequest({
      owner,
      repo,
      head: { ref: "feature", sha: "a".repeat(40) },
      base: { ref: "main", sha: "b".repeat(40) },
    });
    const octokit = await probotFor().auth(1);

    await expect(
      octokit.rest.issues.createComment({ owner, repo, issue_number: 99, body: "hi" }),
    ).rejects.toMatchObject({
      status: 404,
    });
    const { data: issue } = await octokit.rest.issues.get({ owner, repo, issue_number: pullNumber });
    expect(issue.pull_request?.url).toBe(`${fake.apiBaseUrl}/repos/${owner}/${repo}/pulls/${pullNumber}`);
  });

  it("records reactions on issue and review comments; a repeated reaction answers 200 with the same id", async () => {
    const octokit = await probotFor().auth(1);

    const first = await octokit.rest.reactions.createForIssueComment({
      owner,
      repo,
      comment_id: 555,
      content: "eyes",
    });
    const again = await octokit.rest.reactions.createForIssueComment({
      owner,
      repo,
      comment_id: 555,
      content: "eyes",
    });
    const review = await octokit.rest.reactions.createForPullRequestReviewComment({
      owner,
      repo,
      comment_id: 777,
      content: "rocket",
    });
    const invalid = await octokit
      .request(`POST /repos/${owner}/${repo}/issues/comments/555/reactions`, { content: "thumbsup" })
      .catch((error) => error);

    expect([first.status, again.status, review.status]).toEqual([201, 200, 201]);
    expect(again.data.id).toBe(first.data.id);
    expect(first.data).toMatchObject({ content: "eyes", user: { login: "flotilla[bot]", type: "Bot" } });
    expect(invalid).toMatchObject({ status: 422 });
    expect(fake.takeViolations().map((violation) => violation.rule)).toEqual([
      `Invalid request.\n\nFor 'content', "thumbsup" must be equal to one of the allowed values.`,
    ]);
    expect(
      fake.reactions().map(({ subject, commentId, content }) => ({ subject, commentId, content })),
    ).toEqual([
      { subject: "issue_comment", commentId: 555, content: "eyes" },
      { subject: "pull_request_review_comment", commentId: 777, content: "rocket" },
    ]);
  });
});

describe("faults, rate limits and the request log", () => {
  it("fails the next matching requests without touching state", async () => {
    const issueNumber = fake.addIssue({ owner, repo });
    fake.failNext({
      method: "POST",
      pathPattern: `/repos/${owner}/*/issues/*/comments`,
      status: 502,
      times: 1,
    });
    const octokit = await probotFor().auth(1);

    await expect(
      octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body: "first" }),
    ).rejects.toMatchObject({ status: 502 });
    await octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body: "second" });

    expect(fake.comments(owner, repo, issueNumber).map((comment) => comment.body)).toEqual(["second"]);
    expect(fake.requestLog.map((entry) => entry.outcome)).toEqual(["handled", "injected-fault", "handled"]);
    expect(fake.pendingFaults).toBe(0);
  });

  it("sends a secondary rate limit that Octokit's throttling recognises and retries after retry-after", async () => {
    const issueNumber = fake.addIssue({ owner, repo });
    const asApp = await probotFor().auth();
    const { data: minted } = await asApp.rest.apps.createInstallationAccessToken({ installation_id: 1 });
    // ProbotOctokit on its own retries secondary limits (Probot's instances only log them, below).
    const octokit = new ProbotOctokit({
      auth: { token: minted.token },
      baseUrl: fake.apiBaseUrl,
      retry: { enabled: false },
    });
    fake.failNextWithSecondaryRateLimit({ method: "POST", pathPattern: /\/comments$/, retryAfterSeconds: 1 });

    const { status } = await octokit.rest.issues.createComment({
      owner,
      repo,
      issue_number: issueNumber,
      body: "hi",
    });

    const attempts = fake.requestLog.filter(
      (entry) => entry.method === "POST" && entry.path.endsWith("/comments"),
    );
    expect(status).toBe(201);
    expect(attempts.map((entry) => [entry.status, entry.installationToken])).toEqual([
      [403, minted.token],
      [201, minted.token],
    ]);
    expect((attempts[1]?.time ?? 0) - (attempts[0]?.time ?? 0)).toBeGreaterThanOrEqual(900);
  });

  it("surfaces a secondary rate limit as a 403 from Probot's own installation Octokit, which does not retry it", async () => {
    const issueNumber = fake.addIssue({ owner, repo });
    fake.failNextWithSecondaryRateLimit({ method: "POST", pathPattern: /\/comments$/, retryAfterSeconds: 1 });
    const octokit = await probotFor({ throttled: true }).auth(1);

    const attempt = octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body: "hi" });

    await expect(attempt).rejects.toMatchObject({
      status: 403,
      response: {
        headers: { "retry-after": "1" },
        data: { message: expect.stringContaining("secondary rate limit") },
      },
    });
    expect(fake.comments(owner, repo, issueNumber)).toEqual([]);
  });

  it("answers unknown routes 404 and records them as unhandled", async () => {
    const octokit = await probotFor().auth(1);

    await expect(octokit.rest.repos.listBranches({ owner, repo })).rejects.toMatchObject({ status: 404 });
    const outsideApi = await fetch(`http://${fake.host}/repos/${owner}/${repo}/pulls/1`);

    expect(outsideApi.status).toBe(404);
    expect(fake.unhandledRequests().map(({ method, path }) => `${method} ${path}`)).toEqual([
      `GET /repos/${owner}/${repo}/branches`,
      `GET /repos/${owner}/${repo}/pulls/1`,
    ]);
    // The stand-in cannot say what GitHub would answer: a test that relied on it must not pass.
    expect(fake.takeViolations()).toHaveLength(2);
  });

  it("counts content writes made with installation tokens per minute", async () => {
    const issueNumber = fake.addIssue({ owner, repo });
    const octokit = await probotFor().auth(4);
    for (const body of ["a", "b", "c"])
      await octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body });
    await octokit.rest.issues.get({ owner, repo, issue_number: issueNumber });

    const rate = fake.contentWritesPerMinute();

    expect(rate.maxInRollingMinute).toBe(3);
    expect(rate.byCalendarMinute.reduce((sum, minute) => sum + minute.count, 0)).toBe(3);
    expect(fake.contentWritesPerMinute(4).maxInRollingMinute).toBe(3);
    expect(fake.contentWritesPerMinute(5).maxInRollingMinute).toBe(0);
  });
});

describe("contentWriteRate", () => {
  const start = Date.UTC(2026, 0, 1, 10, 0, 50);
  const entry = (secondsAfterStart: number, overrides: Partial<RequestLogEntry> = {}): RequestLogEntry => ({
    method: "POST",
    path: "/repos/acme/widgets/issues/1/comments",
    query: "",
    time: start + secondsAfterStart * 1000,
    status: 201,
    auth: "installation-token",
    installationId: 1,
    installationToken: "ghs_fake_1",
    outcome: "handled",
    ...overrides,
  });

  it("counts the busiest 60-second window and each wall-clock minute, leaving out reads and token minting", () => {
    const log = [
      entry(0),
      entry(5, { method: "PATCH" }),
      entry(20, { method: "GET" }),
      entry(20),
      entry(30, { auth: "app-jwt", path: "/app/installations/1/access_tokens", installationId: undefined }),
      entry(59, { method: "DELETE" }),
      entry(61, { installationId: 2 }),
      entry(70, { method: "PUT", status: 403, outcome: "injected-fault" }),
    ];

    expect(contentWriteRate(log)).toEqual({
      maxInRollingMinute: 4,
      byCalendarMinute: [
        { minute: "2026-01-01T10:00", count: 2 },
        { minute: "2026-01-01T10:01", count: 3 },
        { minute: "2026-01-01T10:02", count: 1 },
      ],
    });
    expect(contentWriteRate(log, 2).maxInRollingMinute).toBe(1);
    expect(contentWriteRate([entry(0), entry(60), entry(120)]).maxInRollingMinute).toBe(1);
  });
});

describe("a separate Flotilla-like process configured by probotEnvFor", () => {
  it("reaches the fake through GHE_HOST/GHE_PROTOCOL and authenticates as the app", async () => {
    const script = `
      import { createProbot } from "probot";
      const probot = createProbot();
      const octokit = await probot.auth(5);
      const { data } = await octokit.rest.checks.create({
        owner: "acme", repo: "widgets", name: "agent", head_sha: "${"c".repeat(40)}", status: "in_progress",
      });
      console.log(JSON.stringify({ id: data.id, status: data.status }));
    `;
    const env = probotEnvFor(fake, { ...credentials, webhookSecret: "s3cret" });

    const { stdout } = await execa("node", ["--input-type=module", "-e", script], {
      cwd: projectRoot,
      env: { ...env, LOG_LEVEL: "fatal" },
    });

    const created = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}");
    expect(env).toEqual({
      APP_ID: String(credentials.appId),
      PRIVATE_KEY: credentials.privateKey,
      WEBHOOK_SECRET: "s3cret",
      GHE_HOST: fake.host,
      GHE_PROTOCOL: "http",
    });
    expect(fake.checkRuns(owner, repo)).toEqual([
      expect.objectContaining({ id: created.id, status: "in_progress" }),
    ]);
    expect(
      fake.requestLog.map(({ method, path, auth, installationId }) => ({
        method,
        path,
        auth,
        installationId,
      })),
    ).toEqual([
      {
        method: "POST",
        path: "/app/installations/5/access_tokens",
        auth: "app-jwt",
        installationId: undefined,
      },
      {
        method: "POST",
        path: "/repos/acme/widgets/check-runs",
        auth: "installation-token",
        installationId: 5,
      },
    ]);
  });
});
