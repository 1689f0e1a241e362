// Children come home, for real (issue 15's acceptance): a parent that waited for four sub-agents,
// three writing files of their own and one writing the line another wrote, resumes with the
// three clean merges on its branch and the fourth's conflict markers in its worktree; it
// resolves and commits; its pull request holds all four children's work and theirs are closed
// with a note, or left open as a stack with `children: stack`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isTerminal } from "../../src/store/records.ts";
import {
  agentNameOf,
  justWrote,
  resumedWithReport,
  spawn,
  waitForAll,
  writeFile,
  writeThenAnswer,
} from "../support/agent-scripts.ts";
import { createE2eEnvironment, type E2eEnvironment, e2eOwner, e2eRepo } from "../support/e2e-environment.ts";
import type { FakeGitHub } from "../support/fake-github.ts";
import type { RunningFlotilla } from "../support/flotilla-process.ts";
import { git } from "../support/git-fixtures.ts";
import { waitFor } from "../support/wait-for.ts";

type PullRequest = ReturnType<FakeGitHub["pullRequests"]>[number];

let world: E2eEnvironment;
let flotilla: RunningFlotilla;

const committed = "resolution-committed";

/**
 * The parent's own commit of its resolution, in its own repository (the worker records the
 * merge); `ls` shows what its worktree held.
 */
function commitResolution() {
  const command = `git add -A && git -c user.name=parent -c user.email=parent@example.invalid commit -qm "Resolve clash.md" && ls && echo ${committed}`;
  return { toolCalls: [{ name: "Bash", input: { command, description: "commit the resolution" } }] };
}

/** In spawn order: `clash-b` writes the line `clash-a` wrote. */
const children = ["left", "right", "clash-a", "clash-b"];
const fileOf = (name: string) => (name.startsWith("clash") ? "clash.md" : `${name}.md`);

beforeAll(async () => {
  world = await createE2eEnvironment("home");
  world.model
    .script("home-root", (context) => {
      // The CLI writes over a file only after reading it: reading shows the markers the merge left.
      if (resumedWithReport(context) && context.lastUserText.includes("CONFLICT"))
        return { toolCalls: [{ name: "Read", input: { file_path: `${context.cwd}/clash.md` } }] };
      if (context.lastUserText.includes("<<<<<<<") && context.lastUserText.includes(">>>>>>>"))
        return writeFile(context, "clash.md", "written by clash-a and clash-b\n");
      if (justWrote(context)) return commitResolution();
      if (context.lastUserText.includes(committed)) return { text: "Root: all four are merged." };
      if (context.step === 0)
        return spawn(children.map((name) => ({ name, task: `[[script:home-leaf]] write ${fileOf(name)}` })));
      return waitForAll;
    })
    .script("stack-root", (context) => {
      if (resumedWithReport(context)) return { text: "Root: both children are merged into my branch." };
      if (context.step === 0) {
        return spawn([
          { name: "left", task: "[[script:home-leaf]] write left.md" },
          { name: "right", task: "[[script:home-leaf]] write right.md" },
        ]);
      }
      return waitForAll;
    })
    .script("home-leaf", (context) => writeThenAnswer(context, fileOf(agentNameOf(context))));
  flotilla = await world.startFlotilla({ extraEnv: { WORKER_CONCURRENCY: "2" } });
});

afterAll(() => world?.cleanup());

async function runAgents(task: string, count: number) {
  const before = new Set(await world.store.runIdsForIssue(e2eOwner, e2eRepo, 7));
  const { status } = await world.comment(flotilla, `/agents run --budget 1m ${task}`);
  expect(status).toBe(200);
  const runId = await waitFor(
    async () => (await world.store.runIdsForIssue(e2eOwner, e2eRepo, 7)).find((id) => !before.has(id)),
    { timeoutMs: 30_000, what: "the new run" },
  );
  const agents = await waitFor(
    async () => {
      const agents = await world.store.listRunAgents(runId);
      return agents.length === count && agents.every((agent) => isTerminal(agent.state)) ? agents : undefined;
    },
    {
      timeoutMs: 240_000,
      intervalMs: 500,
      what: `${count} agents to end`,
      describe: async () => describeRun(runId),
    },
  );
  expect(
    agents.map((agent) => agent.state),
    await describeRun(runId),
  ).toEqual(Array(count).fill("succeeded"));
  return agents;
}

async function describeRun(runId: string): Promise<string> {
  const agents = await world.store.listRunAgents(runId);
  const states = agents.map(
    (agent) => `${agent.name}: ${agent.state} ${agent.currentStep} ${agent.error ?? ""}`,
  );
  const problems = flotilla.logs.filter((line) => /"level":(40|50)|WARN|ERROR/.test(line)).slice(-10);
  return [...states, ...problems].join("\n");
}

/** The pull request of `branch` on the stand-in GitHub, once it is as `ready` wants. */
async function pullOf(branch: string, ready: (pull: PullRequest) => boolean): Promise<PullRequest> {
  return waitFor(
    () =>
      world.github.pullRequests(e2eOwner, e2eRepo).find((pull) => pull.head.ref === branch && ready(pull)),
    { timeoutMs: 30_000, what: `the pull request of ${branch}` },
  );
}

/** Waits for a tracking comment of issue 7 with `count` matches of `pattern`. */
async function trackingCommentShowing(pattern: RegExp, count: number): Promise<void> {
  await waitFor(
    () =>
      world.github
        .comments(e2eOwner, e2eRepo, 7)
        .find(
          (comment) =>
            comment.body?.includes("flotilla:run:") && (comment.body.match(pattern) ?? []).length === count,
        ),
    { timeoutMs: 30_000, what: `a tracking comment with ${count} × ${pattern}` },
  );
}

async function mergedCommits(branch: string): Promise<string[]> {
  const lines = await git(world.remote.bareDir, [
    "rev-list",
    "--merges",
    "--parents",
    `refs/heads/${branch}`,
  ]);
  return lines
    .trim()
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => line.split(" ")[2] ?? "");
}

describe("children come home", () => {
  it("merges 3 children cleanly and leaves the 4th's conflict to the parent, whose PR then holds all 4", async () => {
    const agents = await runAgents("[[script:home-root]] build it in four parts", 5);
    const root = agents.find((agent) => agent.parentId === undefined);
    const spawned = agents.filter((agent) => agent.parentId !== undefined);
    expect(spawned.map((agent) => agent.name)).toEqual(children);
    expect(root?.childMerges.map((merge) => [merge.outcome, merge.files, merge.recorded])).toEqual([
      ["merged", [], true],
      ["merged", [], true],
      ["merged", [], true],
      ["conflicted", ["clash.md"], true],
    ]);

    // Resumed after the wait: the report names the conflict, the worktree holds the markers
    // (the parent read them) and the three clean merges (its commit listed their files).
    const requests = world.model.requestsFor("home-root");
    const report = JSON.stringify(
      requests.find((request) =>
        JSON.stringify(request.body.messages).includes("Your sub-agents have finished"),
      )?.body.messages,
    );
    expect(report).toContain("Merge: merged into your branch");
    expect(report).toContain("CONFLICT");
    expect(report).toMatch(/clash-b[\s\S]*conflict markers[\s\S]*clash\.md/);
    const listed = requests.find(
      (request) =>
        request.body.messages.at(-1) !== undefined &&
        JSON.stringify(request.body.messages.at(-1)).includes(committed),
    );
    for (const file of ["left.md", "right.md", "clash.md"])
      expect(JSON.stringify(listed?.body.messages.at(-1))).toContain(file);

    // The parent's branch: each child's work, each merged once (the last by the resolution).
    for (const name of ["left", "right"])
      expect(await world.remote.readFile(root?.branch ?? "", `${name}.md`)).toBe(`written by ${name}\n`);
    expect(await world.remote.readFile(root?.branch ?? "", "clash.md")).toBe(
      "written by clash-a and clash-b\n",
    );
    expect(await mergedCommits(root?.branch ?? "")).toEqual(
      spawned.map((child) => child.pushedSha).reverse(),
    );
    const log = await git(world.remote.bareDir, [
      "log",
      "--merges",
      "--format=%s",
      `refs/heads/${root?.branch}`,
    ]);
    for (const name of ["left", "right", "clash-a"]) expect(log).toContain(`Merge sub-agent ${name} into`);

    // GitHub: the parent's PR lists all four as merged; theirs are closed with a note pointing at it.
    const rootPull = await pullOf(
      root?.branch ?? "",
      (pull) => pull.body?.includes("### Sub-agents") === true,
    );
    for (const name of ["left", "right", "clash-a"])
      expect(rootPull.body).toContain(`\`${name}\`: ✅ succeeded · merged · `);
    expect(rootPull.body).toContain("`clash-b`: ✅ succeeded · merged (conflicts resolved)");
    for (const child of spawned) {
      const pull = await pullOf(child.branch, (found) => found.state === "closed");
      const note = world.github
        .comments(e2eOwner, e2eRepo, pull.number)
        .filter((comment) => comment.body?.includes("Merged into") === true);
      expect(note.map((comment) => comment.body)).toEqual([
        expect.stringContaining(
          `Merged into \`${root?.branch}\` by Flotilla agent \`${root?.name}\`, see ${rootPull.html_url}`,
        ),
      ]);
    }
    await trackingCommentShowing(/✅ succeeded · merged \|/g, 3);
    await trackingCommentShowing(/✅ succeeded · merged \(conflicts resolved\) \|/g, 1);
    expect(world.github.violations()).toEqual([]);
    expect(world.github.unhandledRequests()).toEqual([]);
  });

  it("with `children: stack`, merges just the same but leaves the children's pull requests open", async () => {
    world.github.setFile(e2eOwner, e2eRepo, ".github/agents.yml", "children: stack\n");
    const agents = await runAgents("[[script:stack-root]] build both halves, stacked", 3);
    const root = agents.find((agent) => agent.parentId === undefined);
    const children = agents.filter((agent) => agent.parentId !== undefined);
    expect(root?.childMerges.map((merge) => merge.outcome)).toEqual(["merged", "merged"]);
    const rootPull = await pullOf(
      root?.branch ?? "",
      (pull) => pull.body?.includes("### Sub-agents") === true,
    );
    expect(rootPull.body).toContain("`left`: ✅ succeeded · merged");
    for (const child of children) {
      // Written again once the parent's pull request existed: the moment it would have been closed.
      const pull = await pullOf(child.branch, (found) => found.updated_at >= rootPull.created_at);
      expect(pull.state).toBe("open");
      const notes = world.github
        .comments(e2eOwner, e2eRepo, pull.number)
        .filter((comment) => comment.body?.includes("Merged into") === true);
      expect(notes).toEqual([]);
    }
    expect(world.github.violations()).toEqual([]);
  });
});
