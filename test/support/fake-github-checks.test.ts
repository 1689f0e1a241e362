// Check runs on the fake GitHub through Probot's Octokit: their whole life, the list endpoint's
// filters and pagination, GitHub's 422s for bodies Flotilla must never send, and the finality of
// a completed check run. Every request GitHub would refuse is also recorded as a violation.
import { Probot, ProbotOctokit } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testAppCredentials } from "./app-credentials.ts";
import { FakeGitHub } from "./fake-github.ts";
import { createBareRemote } from "./git-fixtures.ts";

const credentials = testAppCredentials();
const owner = "acme";
const repo = "widgets";
const sha = "1".repeat(40);

// Function-form defaults: Probot 14 passes its own `throttle`, which would replace an object default.
const UnthrottledOctokit = ProbotOctokit.defaults(
  (options: ConstructorParameters<typeof ProbotOctokit>[0]) => ({
    ...options,
    retry: { enabled: false },
    throttle: { ...options?.throttle, enabled: false },
  }),
);

let fake: FakeGitHub;
let octokit: Awaited<ReturnType<Probot["auth"]>>;

beforeEach(async () => {
  fake = new FakeGitHub({ appId: credentials.appId, privateKey: credentials.privateKey });
  await fake.start();
  const probot = new Probot({
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

describe("check run life", () => {
  it("keeps every state from queued through in_progress to completed", async () => {
    const actions = [{ label: "Cancel", description: "Stop this agent", identifier: "cancel" }];
    const { data: created, status } = await octokit.rest.checks.create({
      owner,
      repo,
      name: "agent: fix-tests",
      head_sha: sha,
      external_id: "agent-1",
      status: "queued",
      actions,
    });
    await octokit.rest.checks.update({
      owner,
      repo,
      check_run_id: created.id,
      status: "in_progress",
      output: { title: "Running", summary: "step 1" },
    });
    const { data: done } = await octokit.rest.checks.update({
      owner,
      repo,
      check_run_id: created.id,
      conclusion: "success",
      output: { title: "Done", summary: "all green" },
      actions: [],
    });

    expect(status).toBe(201);
    expect(created).toMatchObject({
      status: "queued",
      conclusion: null,
      external_id: "agent-1",
      head_sha: sha,
    });
    expect(created.app?.id).toBe(credentials.appId);
    expect(done).toMatchObject({
      status: "completed",
      conclusion: "success",
      output: { title: "Done", summary: "all green" },
    });
    expect(done.completed_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const history = fake.checkRunHistory(created.id);
    expect(history.map((event) => [event.action, event.checkRun.status, event.checkRun.conclusion])).toEqual([
      ["created", "queued", null],
      ["updated", "in_progress", null],
      ["updated", "completed", "success"],
    ]);
    expect(history.map((event) => event.actions.length)).toEqual([1, 1, 0]);
    expect(history[1]?.request).toEqual({
      status: "in_progress",
      output: { title: "Running", summary: "step 1" },
    });
    const { data: fetched } = await octokit.rest.checks.get({ owner, repo, check_run_id: created.id });
    expect(fetched).toEqual(done);
  });

  it("lists a commit's check runs by name and status, latest per name unless filter=all, across pages", async () => {
    const names = ["agent: a", "agent: b", "agent: c", "agent: a"];
    for (const name of names)
      await octokit.rest.checks.create({ owner, repo, name, head_sha: sha, status: "in_progress" });
    await octokit.rest.checks.create({ owner, repo, name: "agent: a", head_sha: "2".repeat(40) });
    const firstB = fake.checkRuns(owner, repo).find((run) => run.name === "agent: b");
    await octokit.rest.checks.update({ owner, repo, check_run_id: firstB?.id ?? 0, conclusion: "failure" });

    const latest = await octokit.rest.checks.listForRef({ owner, repo, ref: sha });
    const all = await octokit.rest.checks.listForRef({ owner, repo, ref: sha, filter: "all" });
    const named = await octokit.rest.checks.listForRef({
      owner,
      repo,
      ref: sha,
      check_name: "agent: a",
      filter: "all",
    });
    const completed = await octokit.rest.checks.listForRef({ owner, repo, ref: sha, status: "completed" });
    const paged = await octokit.paginate(octokit.rest.checks.listForRef, {
      owner,
      repo,
      ref: sha,
      filter: "all",
      per_page: 1,
    });

    expect(latest.data.total_count).toBe(3);
    expect(latest.data.check_runs.map((run) => run.name)).toEqual(["agent: b", "agent: c", "agent: a"]);
    expect(all.data.total_count).toBe(4);
    expect(named.data.check_runs.map((run) => run.head_sha)).toEqual([sha, sha]);
    expect(completed.data.check_runs.map((run) => [run.name, run.conclusion])).toEqual([
      ["agent: b", "failure"],
    ]);
    expect(paged.map((run) => run.id)).toEqual(all.data.check_runs.map((run) => run.id));
  });

  it("resolves a branch name to its head commit when the repository is linked to git", async () => {
    const remote = await createBareRemote({ branches: { "agents/run-1/a": { "a.txt": "a\n" } } });
    try {
      fake.addRepository({ owner, repo, gitDir: remote.bareDir, cloneUrl: remote.cloneUrl });
      const headSha = await remote.headSha("agents/run-1/a");
      await octokit.rest.checks.create({ owner, repo, name: "agent", head_sha: headSha });

      const { data } = await octokit.rest.checks.listForRef({ owner, repo, ref: "agents/run-1/a" });

      expect(data.check_runs.map((run) => run.head_sha)).toEqual([headSha]);
      await expect(
        octokit.rest.checks.create({ owner, repo, name: "agent", head_sha: "f".repeat(40) }),
      ).rejects.toMatchObject({
        status: 422,
        response: { data: { message: `No commit found for SHA: ${"f".repeat(40)}` } },
      });
      expect(fake.takeViolations().map((violation) => violation.rule)).toEqual([
        `No commit found for SHA: ${"f".repeat(40)}`,
      ]);
    } finally {
      await remote.cleanup();
    }
  });
});

describe("check run validation", () => {
  const create = (body: Record<string, unknown>) =>
    octokit.request("POST /repos/{owner}/{repo}/check-runs", {
      owner,
      repo,
      name: "agent",
      head_sha: sha,
      ...body,
    });

  it.each([
    ["completed without a conclusion", { status: "completed" }, "conclusion"],
    ["completed_at without a conclusion", { completed_at: "2026-01-01T00:00:00Z" }, "conclusion"],
    ["output without a summary", { output: { title: "t" } }, "summary"],
    ["output without a title", { output: { summary: "s" } }, "title"],
    ["an unknown status", { status: "running" }, "status"],
    ["a head_sha that is not a full sha", { head_sha: "main" }, "No commit found"],
  ])("rejects %s with a 422", async (_case, body, mentioned) => {
    await expect(create(body)).rejects.toMatchObject({
      status: 422,
      response: { data: { message: expect.stringContaining(mentioned) } },
    });
    expect(fake.checkRuns(owner, repo)).toEqual([]);
    const violations = fake.takeViolations();
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ method: "POST", path: `/repos/${owner}/${repo}/check-runs` });
    expect(violations[0]?.rule).toContain(mentioned);
  });

  it("limits summary and text to 65535 bytes, not characters", async () => {
    const ascii = await create({ output: { title: "t", summary: "x".repeat(65_535) } });

    expect(ascii.status).toBe(201);
    // 40 000 two-byte characters: under 65 535 characters, over 65 535 bytes.
    await expect(create({ output: { title: "t", summary: "é".repeat(40_000) } })).rejects.toMatchObject({
      status: 422,
      response: { data: { errors: [{ resource: "CheckRun", field: "summary" }] } },
    });
    await expect(
      create({ output: { title: "t", summary: "s", text: "y".repeat(65_536) } }),
    ).rejects.toMatchObject({
      status: 422,
      response: { data: { message: expect.stringContaining("output/text") } },
    });
    expect(fake.takeViolations()).toHaveLength(2);
  });

  it("allows at most 3 actions with label and identifier up to 20 and description up to 40 characters", async () => {
    const action = (overrides: Record<string, string> = {}) => ({
      label: "Cancel",
      description: "Stop this agent",
      identifier: "cancel",
      ...overrides,
    });

    const atLimits = await create({
      actions: [
        action({ label: "L".repeat(20), identifier: "i".repeat(20), description: "d".repeat(40) }),
        action(),
        action(),
      ],
    });
    const rejected = await Promise.allSettled([
      create({ actions: [action(), action(), action(), action()] }),
      create({ actions: [action({ label: "L".repeat(21) })] }),
      create({ actions: [action({ identifier: "i".repeat(21) })] }),
      create({ actions: [action({ description: "d".repeat(41) })] }),
    ]);

    expect(atLimits.status).toBe(201);
    expect(
      rejected.map((result) => (result.status === "rejected" ? result.reason.status : result.status)),
    ).toEqual([422, 422, 422, 422]);
    expect(fake.checkRuns(owner, repo)).toHaveLength(1);
    expect(fake.takeViolations()).toHaveLength(4);
  });

  it("rejects an update completing without a conclusion and keeps the run as it was", async () => {
    const { data } = await octokit.rest.checks.create({
      owner,
      repo,
      name: "agent",
      head_sha: sha,
      status: "in_progress",
    });

    const update = octokit.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", {
      owner,
      repo,
      check_run_id: data.id,
      status: "completed",
    });

    await expect(update).rejects.toMatchObject({ status: 422 });
    expect(fake.checkRunHistory(data.id)).toHaveLength(1);
    expect(fake.checkRuns(owner, repo)[0]?.status).toBe("in_progress");
    expect(fake.takeViolations()).toHaveLength(1);
  });
});

describe("GitHub's OpenAPI description", () => {
  it("refuses query and path parameters it does not allow, and records them", async () => {
    // Untyped routes: the typed ones would not let a test send these.
    const refused = await Promise.allSettled([
      octokit.request(`GET /repos/${owner}/${repo}/commits/${sha}/check-runs`, { filter: "newest" }),
      octokit.request(`GET /repos/${owner}/${repo}/commits/${sha}/check-runs`, { per_page: "many" }),
      octokit.request(`GET /repos/${owner}/${repo}/check-runs/latest`),
    ]);

    expect(refused.map((result) => (result.status === "rejected" ? result.reason.status : 200))).toEqual([
      422, 422, 422,
    ]);
    expect(fake.takeViolations().map((violation) => violation.rule)).toEqual([
      `Invalid request.\n\nFor 'filter', "newest" must be equal to one of the allowed values.`,
      `Invalid request.\n\nFor 'per_page', "many" must be integer.`,
      `Invalid request.\n\nFor 'check_run_id', "latest" must be integer.`,
    ]);
  });
});

describe("a completed check run is final", () => {
  it.each([
    ["back to in_progress", { status: "in_progress" }, "status in_progress"],
    ["back to queued", { status: "queued" }, "status queued"],
    ["to another conclusion", { conclusion: "success" }, "conclusion success"],
  ])(
    "ignores a change %s, as GitHub does, keeps the new output, and records the violation",
    async (_case, change, what) => {
      const { data } = await octokit.rest.checks.create({ owner, repo, name: "agent", head_sha: sha });
      await octokit.rest.checks.update({ owner, repo, check_run_id: data.id, conclusion: "cancelled" });

      const { data: after, status } = await octokit.request(
        `PATCH /repos/${owner}/${repo}/check-runs/${data.id}`,
        { ...change, output: { title: "Running again", summary: "retry" } },
      );

      expect(status).toBe(200);
      expect(after).toMatchObject({
        status: "completed",
        conclusion: "cancelled",
        output: { title: "Running again", summary: "retry" },
      });
      const violations = fake.takeViolations();
      expect(violations).toHaveLength(1);
      expect(violations[0]?.rule).toContain(`check run ${data.id} is completed (cancelled)`);
      expect(violations[0]?.rule).toContain(what);
    },
  );

  it("accepts new output on a completed run when status and conclusion stay as they are", async () => {
    const { data } = await octokit.rest.checks.create({ owner, repo, name: "agent", head_sha: sha });
    await octokit.rest.checks.update({ owner, repo, check_run_id: data.id, conclusion: "failure" });

    const { data: after } = await octokit.rest.checks.update({
      owner,
      repo,
      check_run_id: data.id,
      status: "completed",
      conclusion: "failure",
      output: { title: "Failed", summary: "retry refused: the agent is still running" },
    });

    expect(after).toMatchObject({ status: "completed", conclusion: "failure", output: { title: "Failed" } });
    expect(fake.violations()).toEqual([]);
  });

  it("fails the test that stops the stand-in with a violation nobody took note of", async () => {
    const { data } = await octokit.rest.checks.create({ owner, repo, name: "agent", head_sha: sha });
    await octokit.rest.checks.update({ owner, repo, check_run_id: data.id, conclusion: "success" });
    await octokit.rest.checks.update({ owner, repo, check_run_id: data.id, status: "in_progress" });

    expect(() => fake.expectNoViolations()).toThrow(/would refuse or ignore:\n- PATCH .*status in_progress/);
    const second = new FakeGitHub();
    await second.start();
    const reply = await fetch(`${second.apiBaseUrl}/repos/o/r/check-runs`, { method: "POST", body: "{}" });
    expect(reply.status).toBe(401);
    await fetch(`${second.apiBaseUrl}/no/such/operation`);
    await expect(second.stop()).rejects.toThrow(/no route for GET \/no\/such\/operation/);
    fake.takeViolations();
  });
});
