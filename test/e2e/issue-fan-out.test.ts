// Issues fan out, for real: `/agents run` with a task list on an issue starts one agent per
// item, as children of an implicit integrating root; each writes its own file, the root merges
// their branches without a single model call, and opens one pull request that fixes the issue
// and holds every item's work. Only a merge conflict makes the root start `claude`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isTerminal } from "../../src/store/records.ts";
import { agentNameOf, justWrote, writeFile } from "../support/agent-scripts.ts";
import { createE2eEnvironment, type E2eEnvironment, e2eOwner, e2eRepo } from "../support/e2e-environment.ts";
import type { RunningFlotilla } from "../support/flotilla-process.ts";
import { waitFor } from "../support/wait-for.ts";

let world: E2eEnvironment;
let flotilla: RunningFlotilla;
const issueNumber = 41;
const rootName = `issue-${issueNumber}`;

beforeAll(async () => {
  world = await createE2eEnvironment("fanout");
  world.github.addIssue({ owner: e2eOwner, repo: e2eRepo, number: issueNumber, title: "Small things" });
  world.model.script("fan-item", (context) => {
    const name = agentNameOf(context);
    return justWrote(context)
      ? { text: `Wrote ${name}.md.` }
      : writeFile(context, `${name}.md`, `by ${name}\n`);
  });
  // Both items write clash.md. The root's prompt lists the items, so it runs this script too: it
  // reads the markers the merge left, writes both lines, and ends.
  world.model.script("fan-clash", (context) => {
    const name = agentNameOf(context);
    if (name !== rootName)
      return justWrote(context)
        ? { text: "Wrote clash.md." }
        : writeFile(context, "clash.md", `by ${name}\n`);
    if (justWrote(context)) return { text: "Resolved clash.md: kept both lines." };
    if (context.lastUserText.includes("<<<<<<<")) return writeFile(context, "clash.md", "by both\n");
    return { toolCalls: [{ name: "Read", input: { file_path: `${context.cwd}/clash.md` } }] };
  });
  flotilla = await world.startFlotilla({ extraEnv: { WORKER_CONCURRENCY: "3" } });
});

afterAll(() => world?.cleanup());

/** Comments the list on the issue and waits for the run's root and its items to end. */
async function runList(script: string, items: readonly string[]) {
  const before = await world.store.runIdsForIssue(e2eOwner, e2eRepo, issueNumber);
  const list = items.map((item) => `- [ ] [[script:${script}]] ${item}`).join("\n");
  const { status } = await world.comment(flotilla, `/agents run\n${list}`, {
    issueNumber,
    isPullRequest: false,
  });
  expect(status).toBe(200);
  const runId = await waitFor(
    async () =>
      (await world.store.runIdsForIssue(e2eOwner, e2eRepo, issueNumber)).find((id) => !before.includes(id)),
    { what: "the run" },
  );
  return waitFor(
    async () => {
      const all = await world.store.listRunAgents(runId);
      return all.length === items.length + 1 && all.every((agent) => isTerminal(agent.state))
        ? all
        : undefined;
    },
    {
      timeoutMs: 180_000,
      intervalMs: 500,
      what: `the root and its ${items.length} agents to end`,
      describe: async () =>
        JSON.stringify(
          (await world.store.listRunAgents(runId)).map((a) => [a.name, a.state, a.currentStep, a.error]),
        ),
    },
  );
}

/** The root's pull request, once it lists its sub-agents. */
function rootPullOf(branch: string) {
  return waitFor(
    () =>
      world.github
        .pullRequests(e2eOwner, e2eRepo)
        .find((candidate) => candidate.head.ref === branch && candidate.body?.includes("### Sub-agents")),
    { timeoutMs: 30_000, what: "the root's pull request" },
  );
}

/** The first prompts of the root's own model calls. */
function rootPrompts(): string[] {
  return world.model.requests
    .map((request) => JSON.stringify(request.body.messages[0]))
    .filter((prompt) => prompt.includes(`You are \\"${rootName}\\"`));
}

describe("a task list on an issue", () => {
  it("becomes one pull request that fixes the issue, integrated without the model", async () => {
    const [root, ...children] = await runList("fan-item", ["alpha", "bravo", "charlie"]);
    expect([root?.name, root?.role, root?.state]).toEqual([rootName, "integrator", "succeeded"]);
    expect(children.map((child) => [child.parentId, child.depth, child.state])).toEqual(
      Array(3).fill([root?.id, 1, "succeeded"]),
    );
    expect(root?.childMerges.map((merge) => [merge.outcome, merge.recorded])).toEqual(
      Array(3).fill(["merged", true]),
    );

    // One pull request against the default branch, holding all three files, fixing the issue.
    const pull = await rootPullOf(root?.branch ?? "");
    expect(pull.base.ref).toBe("main");
    expect(pull.body).toContain(`Fixes #${issueNumber}`);
    for (const child of children) {
      expect(await world.remote.readFile(root?.branch ?? "", `${child.name}.md`)).toBe(`by ${child.name}\n`);
      expect(pull.body).toContain(`\`${child.name}\`: ✅ succeeded · merged`);
    }
    // Every model call was an item's: the root integrated without one.
    expect(world.model.requests.length).toBeGreaterThan(0);
    expect(rootPrompts()).toEqual([]);
    expect(world.model.requests.every((request) => request.scriptName === "fan-item")).toBe(true);
    expect(root?.spentTokens).toBe(0);
    expect(world.github.violations()).toEqual([]);
    expect(world.github.unhandledRequests()).toEqual([]);
  });

  it("starts claude for the root only when a merge conflicted, with a prompt to resolve it", async () => {
    const [root, , second] = await runList("fan-clash", ["clash a", "clash b"]);
    expect(root?.state).toBe("succeeded");
    expect(root?.childMerges.map((merge) => [merge.outcome, merge.files, merge.recorded])).toEqual([
      ["merged", [], true],
      ["conflicted", ["clash.md"], true],
    ]);
    const [prompt] = rootPrompts();
    expect(prompt).toContain("resolve every conflict the report names");
    expect(prompt).toContain("Merge: CONFLICT");
    expect(await world.remote.readFile(root?.branch ?? "", "clash.md")).toBe("by both\n");
    const pull = await rootPullOf(root?.branch ?? "");
    expect(pull.body).toContain("Resolved clash.md: kept both lines.");
    expect(pull.body).toContain(`\`${second?.name}\`: ✅ succeeded · merged (conflicts resolved)`);
    expect(pull.body).toContain(`Fixes #${issueNumber}`);
    expect(world.github.violations()).toEqual([]);
  });
});
