// Agent trees for real: parents spawn, wait for and read their own children through Flotilla's
// MCP tools, out of process, with a worker concurrency of 2 — a parent that kept its slot while
// waiting would deadlock here.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  justWrote,
  resumedWithReport,
  spawn,
  waitForAll,
  writeFile,
  writeThenAnswer,
} from "../support/agent-scripts.ts";
import {
  createE2eEnvironment,
  type E2eEnvironment,
  e2eHeadBranch,
  e2eOwner,
  e2eRepo,
} from "../support/e2e-environment.ts";
import type { RunningFlotilla } from "../support/flotilla-process.ts";
import { waitFor } from "../support/wait-for.ts";

let world: E2eEnvironment;
let flotilla: RunningFlotilla;

beforeAll(async () => {
  world = await createE2eEnvironment("tree");
  world.model
    .script("tree-root", (context) => {
      if (resumedWithReport(context)) return writeFile(context, "root.md", "root integrated its children\n");
      if (justWrote(context)) return { text: "Root: all children done, root.md written." };
      if (context.step === 0) {
        return spawn([
          { name: "leaf-a", task: "[[script:tree-leaf]] write leaf-a.md" },
          { name: "mid-b", task: "[[script:tree-mid]] split your work in two" },
          { name: "leaf-c", task: "[[script:tree-leaf]] write leaf-c.md" },
        ]);
      }
      return waitForAll;
    })
    .script("tree-mid", (context) => {
      if (resumedWithReport(context)) return writeFile(context, "mid-b.md", "mid integrated\n");
      if (justWrote(context)) return { text: "Mid: grandchildren done." };
      if (context.step === 0) {
        return spawn([
          { name: "grand-1", task: "[[script:tree-leaf]] write grand-1.md" },
          { name: "grand-2", task: "[[script:tree-leaf]] write grand-2.md" },
        ]);
      }
      return waitForAll;
    })
    .script("tree-leaf", (context) => writeThenAnswer(context));
  flotilla = await world.startFlotilla({ extraEnv: { WORKER_CONCURRENCY: "2" } });
});

afterAll(() => world?.cleanup());

describe("agent trees", () => {
  it("finishes a tree of 6 agents with 2 worker slots; PRs stack on their parents' branches", async () => {
    const { status } = await world.comment(
      flotilla,
      "/agents run --budget 1m [[script:tree-root]] build the feature",
    );
    expect(status).toBe(200);

    const checkRuns = await waitFor(
      () => {
        const runs = world.github.checkRuns(e2eOwner, e2eRepo);
        return runs.length === 6 && runs.every((run) => run.status === "completed") ? runs : undefined;
      },
      { timeoutMs: 240_000, intervalMs: 500, what: "six completed check runs" },
    );
    expect(checkRuns.map((run) => run.conclusion)).toEqual(Array(6).fill("success"));
    const names = checkRuns.map((run) => run.name).sort();
    expect(names).toEqual(
      [
        "agent: script-tree-root-build-the-feature",
        "agent: script-tree-root-build-the-feature › child: leaf-a",
        "agent: script-tree-root-build-the-feature › child: leaf-c",
        "agent: script-tree-root-build-the-feature › child: mid-b",
        "agent: script-tree-root-build-the-feature › child: mid-b › child: grand-1",
        "agent: script-tree-root-build-the-feature › child: mid-b › child: grand-2",
      ].sort(),
    );

    const agents = await world.store.listRunAgents(
      (await world.store.runIdsForIssue(e2eOwner, e2eRepo, 7))[0] ?? "",
    );
    const branchOf = (name: string) => agents.find((agent) => agent.name === name)?.branch ?? "";
    const root = agents.find((agent) => agent.parentId === undefined);
    expect(root).toBeDefined();
    const pulls = await waitFor(
      () => {
        const found = world.github
          .pullRequests(e2eOwner, e2eRepo)
          .filter((pull) => pull.head.ref.startsWith("agents/"));
        return found.length === 6 ? found : undefined;
      },
      { timeoutMs: 30_000, what: "six pull requests" },
    );
    const baseOf = (branch: string) => pulls.find((pull) => pull.head.ref === branch)?.base.ref;
    expect(baseOf(root?.branch ?? "")).toBe(e2eHeadBranch);
    expect(baseOf(branchOf("leaf-a"))).toBe(root?.branch);
    expect(baseOf(branchOf("mid-b"))).toBe(root?.branch);
    expect(baseOf(branchOf("leaf-c"))).toBe(root?.branch);
    expect(baseOf(branchOf("grand-1"))).toBe(branchOf("mid-b"));
    expect(baseOf(branchOf("grand-2"))).toBe(branchOf("mid-b"));

    // Each agent's file is on its own branch, and came home: merged up into its parent's, and so
    // on to the root's (docs/children-come-home.md); never into a sibling's.
    for (const name of ["leaf-a", "leaf-c", "grand-1", "grand-2"]) {
      expect(await world.remote.readFile(branchOf(name), `${name}.md`)).toBe(`written by ${name}\n`);
      expect(await world.remote.readFile(root?.branch ?? "", `${name}.md`)).toBe(`written by ${name}\n`);
    }
    expect(await world.remote.readFile(branchOf("mid-b"), "grand-1.md")).toBe("written by grand-1\n");
    expect(await world.remote.readFile(branchOf("leaf-a"), "leaf-c.md")).toBeUndefined();
    expect(await world.remote.readFile(branchOf("grand-1"), "grand-2.md")).toBeUndefined();
    expect(await world.remote.readFile(branchOf("mid-b"), "mid-b.md")).toBe("mid integrated\n");
    expect(await world.remote.readFile(root?.branch ?? "", "root.md")).toBe("root integrated its children\n");

    // Parents were resumed in their own sessions with their children's results.
    const rootRequests = world.model.requestsFor("tree-root");
    const resumed = rootRequests.find((request) =>
      JSON.stringify(request.body.messages).includes("Your sub-agents have finished"),
    );
    expect(resumed).toBeDefined();
    expect(new Set(rootRequests.map((request) => request.sessionId)).size).toBe(1);
    const report = JSON.stringify(resumed?.body.messages);
    for (const child of ["leaf-a", "mid-b", "leaf-c"]) expect(report).toContain(child);

    // The tracking comment shows the whole tree.
    const tracking = await waitFor(
      () =>
        world.github
          .comments(e2eOwner, e2eRepo, 7)
          .find(
            (comment) =>
              comment.body?.includes("flotilla:run:") &&
              (comment.body.match(/✅ succeeded/g) ?? []).length === 6,
          ),
      { timeoutMs: 30_000, what: "the tracking comment to show six succeeded agents" },
    );
    for (const name of ["leaf-a", "mid-b", "leaf-c", "grand-1", "grand-2"])
      expect(tracking.body).toContain(`↳ \`${name}\``);
  });
});
