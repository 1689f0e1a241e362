// Every way `/agents run` is refused answers with a reply that says why and what to do, and
// leaves nothing behind: no job in the queue, no run recorded. Flotilla's Probot app runs in this
// process against a stand-in GitHub (so `.github/agents.yml` is read through `context.config`),
// real Redis and a real BullMQ queue.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { dailyResetsAt } from "../../src/store/budget-store.ts";
import { projectRoot } from "../support/paths.ts";
import {
  createWebWorld,
  createWebWorldWithPullRequest,
  type WebWorld,
  worldInstallation,
  worldOwner,
  worldRepo,
} from "../support/web-world.ts";

let world: WebWorld;

beforeEach(async () => {
  world = await createWebWorldWithPullRequest({ DAILY_TOKEN_CAP: "1000000" });
});

afterEach(() => world.cleanup());

function setConfig(yaml: string, repo = worldRepo): void {
  world.github.setFile(worldOwner, repo, ".github/agents.yml", yaml);
}

async function expectNothingStarted(issueNumber = 7): Promise<void> {
  expect(await world.jobCount()).toBe(0);
  expect(await world.store.runIdsForIssue(worldOwner, worldRepo, issueNumber)).toEqual([]);
  expect(world.github.checkRuns(worldOwner, worldRepo)).toEqual([]);
}

/** The reply to `/agents run` on a fork's pull request (#8). */
async function forkPullRequestReply(): Promise<string> {
  await world.github.addPullRequest({
    owner: worldOwner,
    repo: worldRepo,
    number: 8,
    head: { ref: "feature/login", owner: "someone-else", repo: "demo-fork" },
    base: { ref: "main" },
  });
  await world.comment("/agents run fix it", { issueNumber: 8 });
  return onlyReply(8);
}

/** The one reply on the conversation (refusals answer once, quoting the command). */
function onlyReply(issueNumber = 7): string {
  const replies = world.comments(issueNumber);
  expect(replies).toHaveLength(1);
  return replies[0] ?? "";
}

describe("a command that is accepted", () => {
  it("records the run with the repository's limits and enqueues its agent (the control case)", async () => {
    setConfig("limits:\n  max_turns: 12\n  max_concurrent_agents: 2\ninstructions: Run the linter.\n");
    await world.comment("/agents run fix the login");
    expect(await world.jobCount()).toBe(1);
    const [runId] = await world.store.runIdsForIssue(worldOwner, worldRepo, 7);
    const run = await world.store.requireRun(runId ?? "");
    expect(run.limits).toMatchObject({
      maxTurns: 12,
      maxConcurrentInRepository: 2,
      extraInstructions: "Run the linter.",
    });
    // No reply: the only comment is the run's tracking comment.
    expect(world.comments(7).filter((body) => body.startsWith("> /agents"))).toEqual([]);
  });

  it("accepts the README's example file as documented", async () => {
    const readme = await readFile(join(projectRoot, "README.md"), "utf8");
    const example = /### Repository configuration[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toContain("max_concurrent_agents");
    setConfig(example ?? "");
    world.github.setPermission("alice", "maintain");
    await world.comment("/agents run fix the login");
    expect(await world.jobCount()).toBe(1);
    const [runId] = await world.store.runIdsForIssue(worldOwner, worldRepo, 7);
    const run = await world.store.requireRun(runId ?? "");
    expect(run.limits).toMatchObject({
      maxTurns: 60,
      timeoutMs: 30 * 60_000,
      maxDepth: 2,
      maxChildrenPerAgent: 4,
      maxAgentsPerRun: 12,
      maxConcurrentInRepository: 2,
      model: "claude-sonnet-4-5",
      allowedTools: ["Read", "Edit", "Write", "Glob", "Grep", "Bash(npm test:*)", "Bash(git diff:*)"],
    });
    expect(run.limits.extraInstructions).toContain("Run `npm test` before you finish");
    const [agent] = await world.store.listRunAgents(run.id);
    expect(agent?.budgetTokens).toBe(500_000);
  });

  it("records a task list on an issue as one integrating root over a child per item, and queues only the root", async () => {
    world.github.addIssue({ owner: worldOwner, repo: worldRepo, number: 14 });
    await world.comment("/agents run --budget 100k\n- write a.md\n- write b.md", {
      issueNumber: 14,
      isPullRequest: false,
    });
    expect(await world.jobCount()).toBe(1);
    const [runId] = await world.store.runIdsForIssue(worldOwner, worldRepo, 14);
    const [root, ...items] = await world.store.listRunAgents(runId ?? "");
    expect([root?.name, root?.role, root?.budgetTokens]).toEqual(["issue-14", "integrator", 300_000]);
    expect(items.map((item) => [item.name, item.parentId, item.depth, item.budgetTokens])).toEqual([
      ["write-a-md", root?.id, 1, 100_000],
      ["write-b-md", root?.id, 1, 100_000],
    ]);
    expect((await world.store.listChildren(root?.id ?? "")).map((child) => child.name)).toEqual([
      "write-a-md",
      "write-b-md",
    ]);
    await world.comment("/agents status", { issueNumber: 14, isPullRequest: false });
    expect(world.comments(14).at(-1)).toContain(
      "`issue-14`: ⏳ queued · 0 of 300k tokens · brings the 2 tasks below into one pull request",
    );
  });

  it("keeps a task list on a pull request as independent agents, each queued", async () => {
    await world.comment("/agents run\n- write a.md\n- write b.md");
    expect(await world.jobCount()).toBe(2);
    const [runId] = await world.store.runIdsForIssue(worldOwner, worldRepo, 7);
    const agents = await world.store.listRunAgents(runId ?? "");
    expect(agents.map((agent) => [agent.role, agent.parentId])).toEqual([
      ["agent", undefined],
      ["agent", undefined],
    ]);
  });

  it("reads the organization's defaults from its .github repository when the repository has none", async () => {
    setConfig("access:\n  minimum_permission: admin\n", ".github");
    await world.comment("/agents run fix the login");
    expect(onlyReply()).toContain("only people with **admin** access");
    await expectNothingStarted();
  });
});

describe("comments by bots", () => {
  it("ignores Flotilla's own comments entirely: no reply, no job, not even a GitHub read", async () => {
    const requestsBefore = world.github.requestLog.length;
    await world.comment("/agents run fix the login", { login: "flotilla[bot]", userType: "Bot" });
    expect(world.github.requestLog.slice(requestsBefore)).toEqual([]);
    expect(world.comments(7)).toEqual([]);
    await expectNothingStarted();
  });
});

describe("refusals: a reply that says why, and no job", () => {
  it("refuses on a locked conversation", async () => {
    await world.comment("/agents run fix the login", { locked: true });
    expect(onlyReply()).toContain("this pull request is locked");
    await expectNothingStarted();
  });

  it("refuses on a locked issue too", async () => {
    world.github.addIssue({ owner: worldOwner, repo: worldRepo, number: 12, locked: true });
    await world.comment("/agents run fix the login", { issueNumber: 12, isPullRequest: false, locked: true });
    expect(onlyReply(12)).toContain("this issue is locked");
    await expectNothingStarted(12);
  });

  it("refuses to start agents on a closed pull request, but still answers status", async () => {
    await world.comment("/agents run fix the login", { state: "closed" });
    expect(onlyReply()).toContain("this pull request is closed, so Flotilla starts no agents on it");
    await expectNothingStarted();
    await world.comment("/agents status", { state: "closed" });
    expect(world.comments(7).at(-1)).toContain("no agents have run here yet");
  });

  it("refuses a pull request from a fork unless the repository allows forks", async () => {
    const reply = await forkPullRequestReply();
    expect(reply).toContain(
      "comes from a fork, and this repository does not let Flotilla run agents on forks",
    );
    // What allowing it would mean, plainly, and who must allow it.
    expect(reply).toContain("push the fork's code into this repository");
    expect(reply).toContain("run it with this repository's secrets");
    expect(reply).toContain("allow_forks: true");
    expect(reply).toContain("FLOTILLA_ALLOW_FORKS=true");
    await expectNothingStarted(8);
  });

  it("refuses a fork's pull request the repository allows when the operator does not (FLOTILLA_ALLOW_FORKS)", async () => {
    setConfig("access:\n  allow_forks: true\n");
    const reply = await forkPullRequestReply();
    expect(reply).toContain(
      "this repository allows forks (`access.allow_forks`), but the operator of this Flotilla does not (FLOTILLA_ALLOW_FORKS)",
    );
    expect(reply).toContain("run it with this repository's secrets");
    await expectNothingStarted(8);
  });

  it("starts a fork's run from refs/pull/<n>/head when the repository and the operator allow forks", async () => {
    await world.cleanup();
    world = await createWebWorldWithPullRequest({ FLOTILLA_ALLOW_FORKS: "true" });
    setConfig("access:\n  allow_forks: true\n");
    await world.github.addPullRequest({
      owner: worldOwner,
      repo: worldRepo,
      number: 8,
      // The fork's head commit, which GitHub also keeps in the base repository (refs/pull/8/head).
      head: {
        ref: "feature/login",
        owner: "someone-else",
        repo: "demo-fork",
        sha: await world.remote.headSha("feature/login"),
      },
      base: { ref: "main" },
    });
    await world.comment("/agents run fix it", { issueNumber: 8 });
    expect(await world.jobCount()).toBe(1);
    const [runId] = await world.store.runIdsForIssue(worldOwner, worldRepo, 8);
    const run = await world.store.requireRun(runId ?? "");
    expect(run.headFetchRef).toBe("refs/pull/8/head");
    expect(run.baseBranch).toBe("main");
  });

  it("refuses new runs once the installation reached its daily token cap, saying when it resets", async () => {
    await world.budgets.chargeDaily(worldInstallation, 1_000_000);
    const before = new Date();
    await world.comment("/agents run fix the login");
    const reply = onlyReply();
    const resets = dailyResetsAt(before).toISOString().slice(0, 10);
    expect(reply).toContain("daily token cap");
    expect(reply).toContain("1.0M of 1.0M tokens used today (UTC)");
    expect(reply).toContain(`until the cap resets at ${resets} 00:00 UTC`);
    await expectNothingStarted();
  });

  it("lets runs start while the installation is under its cap", async () => {
    await world.budgets.chargeDaily(worldInstallation, 999_999);
    await world.comment("/agents run fix the login");
    expect(await world.jobCount()).toBe(1);
  });

  it("refuses people below the repository's minimum permission", async () => {
    setConfig("access:\n  minimum_permission: maintain\n");
    await world.comment("/agents run fix the login");
    expect(onlyReply()).toContain("only people with **maintain** access to octo-org/demo");
    await expectNothingStarted();
  });

  it("does not let a repository lower the process's minimum permission", async () => {
    setConfig("access:\n  minimum_permission: read\n");
    world.github.setPermission("rita", "read");
    await world.comment("/agents run fix the login", { login: "rita" });
    expect(onlyReply()).toContain("only people with **write** access");
    await expectNothingStarted();
  });

  it("refuses a run with more agents than the repository allows per run", async () => {
    setConfig("limits:\n  max_agents_per_run: 2\n");
    await world.comment("/agents run --count 3 fix the login");
    expect(onlyReply()).toContain("this would start 3 agents, and a run may have at most 2 here");
    await expectNothingStarted();
  });

  it("refuses a task list on an issue with more items than an agent may have sub-agents", async () => {
    setConfig("limits:\n  max_children: 2\n");
    world.github.addIssue({ owner: worldOwner, repo: worldRepo, number: 13 });
    await world.comment("/agents run\n- one\n- two\n- three", { issueNumber: 13, isPullRequest: false });
    expect(onlyReply(13)).toContain("this task list has 3 items");
    expect(onlyReply(13)).toContain("`limits.max_children` in `.github/agents.yml`");
    await expectNothingStarted(13);
  });
});

describe("a broken .github/agents.yml: the reply names the key and the problem, nothing runs", () => {
  // One world for all cases (each in an issue of its own): the file is read afresh per command.
  let shared: WebWorld;
  beforeAll(async () => {
    shared = await createWebWorld();
    shared.github.setPermission("alice", "write");
  });
  afterAll(() => shared.cleanup());

  async function refusedFor(yaml: string, organizationFile = ""): Promise<string> {
    shared.github.setFile(worldOwner, worldRepo, ".github/agents.yml", yaml);
    shared.github.setFile(worldOwner, ".github", ".github/agents.yml", organizationFile);
    const issueNumber = shared.github.addIssue({ owner: worldOwner, repo: worldRepo });
    // A maintainer of their own per case: each person gets only a few refusals an hour.
    const login = `maintainer-${issueNumber}`;
    shared.github.setPermission(login, "write");
    await shared.comment("/agents run fix the login", { issueNumber, isPullRequest: false, login });
    const replies = shared.comments(issueNumber);
    expect(replies).toHaveLength(1);
    expect(await shared.jobCount()).toBe(0);
    expect(await shared.store.runIdsForIssue(worldOwner, worldRepo, issueNumber)).toEqual([]);
    return replies[0] ?? "";
  }

  const cases: [string, string, string][] = [
    ["limits:\n  max_depth: deep\n", "limits.max_depth", 'must be a whole number from 1 to 10, got "deep"'],
    ["limits:\n  max_turns: 0\n", "limits.max_turns", "must be a whole number from 1 to 10000, got 0"],
    ["limits:\n  timeout_minutes: 2.5\n", "limits.timeout_minutes", "got 2.5"],
    ["limits:\n  max_children: many\n", "limits.max_children", "must be a whole number from 1 to 100"],
    ["limits:\n  max_agents_per_run: -1\n", "limits.max_agents_per_run", "got -1"],
    ["limits:\n  max_concurrent_agents: 0\n", "limits.max_concurrent_agents", "got 0"],
    ["limits:\n  max_dept: 2\n", "limits.max_dept", "Did you mean `max_depth`?"],
    [
      "budget:\n  default: lots\n",
      "budget.default",
      'must be a number of tokens from 1,000 to 1,000,000,000, such as 500000, 500k or 1.5M, got "lots"',
    ],
    ["budget:\n  max: 2b\n", "budget.max", 'got "2b"'],
    ["budget:\n  default: 2m\n  max: 1m\n", "budget.default", "must not be more than budget.max (1,000,000)"],
    ["model: [opus]\n", "model", "must be a model name such as claude-sonnet-4-5, got a list"],
    [
      "allowed_tools: Read\n",
      "allowed_tools",
      'must be a list of tool names, such as [Read, Edit, Bash], got "Read"',
    ],
    ["allowed_tools: [Read, 'rm -rf']\n", "allowed_tools[1]", 'got "rm -rf"'],
    [
      "access:\n  minimum_permission: owner\n",
      "access.minimum_permission",
      'must be one of read, triage, write, maintain, admin, got "owner"',
    ],
    ["access:\n  allow_forks: sometimes\n", "access.allow_forks", 'must be true or false, got "sometimes"'],
    ["instructions: [a, b]\n", "instructions", "must be text"],
    ["agents: 3\n", "agents", "is not a setting Flotilla knows"],
    ["limits: [1, 2]\n", "limits", "got a list"],
    ["- just\n- a list\n", ".github/agents.yml", "must be a mapping of settings"],
    ["limits:\n  max_depth: [unclosed\n", ".github/agents.yml", "is not valid YAML"],
  ];

  it.each(cases)("%j → `%s`", async (yaml, key, problem) => {
    const reply = await refusedFor(yaml);
    expect(reply).toContain(
      "`.github/agents.yml` has a problem, so Flotilla runs nothing here until it is fixed",
    );
    expect(reply).toContain(`- \`${key}\`: `);
    expect(reply).toContain(problem);
  });

  it("lists every problem of the file at once", async () => {
    const reply = await refusedFor("limits:\n  max_depth: 0\n  max_children: x\naccess:\n  allow_forks: 1\n");
    expect(reply).toContain("has 3 problems");
    for (const key of ["limits.max_depth", "limits.max_children", "access.allow_forks"])
      expect(reply).toContain(`\`${key}\``);
  });

  it("reports an _extends that loops back on itself", async () => {
    const reply = await refusedFor("_extends: .github\nlimits:\n  max_turns: 5\n", "_extends: demo\n");
    expect(reply).toContain("- `_extends`: cannot be followed");
  });

  it("reports a problem in the organization's file the repository extends", async () => {
    const reply = await refusedFor("_extends: .github\n", "limits:\n  max_turns: lots\n");
    expect(reply).toContain('- `limits.max_turns`: must be a whole number from 1 to 10000, got "lots"');
  });
});
