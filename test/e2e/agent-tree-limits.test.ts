// The edges of agent trees, for real: seven children that each return ~150,000 characters do
// not flood their parent's context; depth, fan-out and per-run limits refuse with an error the
// agent reads and gets past; a child that fails loses nobody else's work.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isTerminal } from "../../src/store/records.ts";
import {
  agentNameOf,
  justWrote,
  resumedWithReport,
  spawn,
  waitForAll,
  writeFile,
} from "../support/agent-scripts.ts";
import { createE2eEnvironment, type E2eEnvironment, e2eOwner, e2eRepo } from "../support/e2e-environment.ts";
import type { RunningFlotilla } from "../support/flotilla-process.ts";
import { waitFor } from "../support/wait-for.ts";

const longResultChars = 150_000;
/** The most a parent's request may grow through its children: the report plus one page read. */
const childInducedGrowthBound = 40_000;

let world: E2eEnvironment;

beforeAll(async () => {
  world = await createE2eEnvironment("tree-limits");
  world.model
    .script("ovf-root", (context) => {
      if (resumedWithReport(context)) {
        const firstChild = /id (r[0-9a-f]+\/c1)\b/.exec(context.lastUserText)?.[1] ?? "missing";
        return {
          toolCalls: [
            {
              name: "mcp__flotilla__read_agent_result",
              input: { id: firstChild, offset: longResultChars - 2_000, limit: 2_000 },
            },
          ],
        };
      }
      if (context.lastUserText.includes("of 150000 of")) return { text: "Read the end of c1's report." };
      if (context.step === 0) {
        return spawn(
          Array.from({ length: 7 }, (_, index) => ({
            name: `c${index + 1}`,
            task: "[[script:ovf-child]] write a very long report",
            budget_tokens: 100_000,
          })),
        );
      }
      return waitForAll;
    })
    .script("ovf-child", (context) => {
      const name = agentNameOf(context);
      const body = `Report of ${name}. `.padEnd(longResultChars - 20, "lorem ipsum ");
      return { text: `${body}END-OF-${name}`.padEnd(longResultChars, "."), outputTokens: 40_000 };
    })
    .script("lim-root", (context) => {
      if (resumedWithReport(context)) return writeFile(context, "root.md", "root done\n");
      if (justWrote(context)) return { text: "Root finished within the limits." };
      if (context.step === 0)
        return spawn([{ name: "first", task: "[[script:lim-child]] do the first part" }]);
      if (context.lastUserText.includes("Not spawned")) return waitForAll;
      return spawn([{ name: "second", task: "[[script:lim-child]] do the second part" }]);
    })
    .script("lim-child", (context) => {
      if (context.step === 0) return spawn([{ name: "deeper", task: "[[script:lim-child]] go deeper" }]);
      if (justWrote(context)) return { text: "Did it myself." };
      return writeFile(
        context,
        `${agentNameOf(context)}.md`,
        `refused, so done by hand: ${context.lastUserText.slice(0, 200)}\n`,
      );
    })
    .script("fail-root", (context) => {
      if (resumedWithReport(context))
        return { text: `Root saw: ${context.lastUserText.includes("FAILED") ? "a failure" : "none"}` };
      if (context.step === 0) {
        return spawn([
          { name: "ok-1", task: "[[script:fail-ok]] part one" },
          { name: "bad-2", task: "[[script:fail-bad]] part two" },
          { name: "ok-3", task: "[[script:fail-ok]] part three" },
        ]);
      }
      return waitForAll;
    })
    .script("fail-ok", (context) =>
      context.step === 0 ? writeFile(context, `${agentNameOf(context)}.md`, "ok\n") : { text: "ok" },
    )
    .script("fail-bad", () => ({
      httpError: { status: 400, type: "invalid_request_error", message: "simulated model failure for bad-2" },
    }));
});

afterAll(() => world?.cleanup());

async function runAgents(flotilla: RunningFlotilla, body: string, count: number) {
  const runsBefore = await world.store.runIdsForIssue(e2eOwner, e2eRepo, 7);
  expect((await world.comment(flotilla, body)).status).toBe(200);
  const runId = await waitFor(
    async () =>
      (await world.store.runIdsForIssue(e2eOwner, e2eRepo, 7)).find((id) => !runsBefore.includes(id)),
    { what: "the new run" },
  );
  // Any end counts (the tests then say which end they expect), so a slow machine's surprise
  // shows as a wrong state, not as a wait that never ends; the wait itself has room on a loaded host.
  return waitFor(
    async () => {
      const agents = await world.store.listRunAgents(runId);
      return agents.length === count && agents.every((agent) => isTerminal(agent.state)) ? agents : undefined;
    },
    {
      timeoutMs: 300_000,
      intervalMs: 500,
      what: `${count} agents of the run to end`,
      describe: async () =>
        (await world.store.listRunAgents(runId))
          .map((agent) => `${agent.name}: ${agent.state} (${agent.currentStep})`)
          .join("; "),
    },
  );
}

describe("agent tree limits", () => {
  it("keeps a parent's context bounded when seven children return 150,000 characters each", async () => {
    const flotilla = await world.startFlotilla({ extraEnv: { WORKER_CONCURRENCY: "3" } });
    const agents = await runAgents(flotilla, "/agents run --budget 2m [[script:ovf-root]] gather reports", 8);
    expect(
      agents.filter((agent) => agent.state !== "succeeded").map((agent) => `${agent.name}: ${agent.error}`),
    ).toEqual([]);
    const requests = world.model.requestsFor("ovf-root");
    const sizes = requests.map((request) => request.bytes);
    const growth = Math.max(...sizes) - (sizes[0] ?? 0);
    expect(growth).toBeLessThan(childInducedGrowthBound);
    // The report reached the parent, and the whole result stayed readable page by page.
    const last = JSON.stringify(requests.at(-1)?.body.messages);
    expect(last).toContain("Your sub-agents have finished");
    expect(last).toContain("END-OF-c1");
    for (const agent of agents.filter((a) => a.parentId !== undefined)) {
      const page = await world.store.readResult(agent.id, 0, 10);
      expect(page?.totalChars).toBe(longResultChars);
    }
    await flotilla.kill();
  });

  it("refuses spawns beyond depth and fan-out with readable errors, and the agents go on", async () => {
    const flotilla = await world.startFlotilla({
      extraEnv: { AGENT_MAX_CHILDREN: "1", AGENT_MAX_DEPTH: "1" },
    });
    const agents = await runAgents(flotilla, "/agents run [[script:lim-root]] respect the limits", 2);
    expect(agents.map((agent) => agent.state)).toEqual(["succeeded", "succeeded"]);
    const rootText = JSON.stringify(
      world.model.requestsFor("lim-root").map((request) => request.body.messages),
    );
    expect(rootText).toContain("Not spawned: an agent may start at most 1 sub-agents");
    const childText = JSON.stringify(
      world.model.requestsFor("lim-child").map((request) => request.body.messages),
    );
    expect(childText).toContain("Not spawned: sub-agents may be nested at most 1 levels deep");
    const first = agents.find((agent) => agent.name === "first");
    expect(await world.remote.readFile(first?.branch ?? "", "first.md")).toContain(
      "refused, so done by hand",
    );
    const tracking = await waitFor(
      () =>
        world.github
          .comments(e2eOwner, e2eRepo, 7)
          .find(
            (comment) =>
              comment.body?.includes(agents[0]?.runId ?? "?") && comment.body.includes("Refused spawns"),
          ),
      { what: "the tracking comment to list the refused spawns" },
    );
    expect(tracking.body).toContain("at most 1 sub-agents");
    expect(tracking.body).toContain("nested at most 1 levels deep");
    await flotilla.kill();
  });

  it("refuses a spawn beyond the agents allowed per run", async () => {
    const flotilla = await world.startFlotilla({ extraEnv: { AGENT_MAX_PER_RUN: "2" } });
    const agents = await runAgents(flotilla, "/agents run [[script:lim-root]] stay small", 2);
    expect(agents.every((agent) => agent.state === "succeeded")).toBe(true);
    const requests = world.model
      .requestsFor("lim-root")
      .map((request) => JSON.stringify(request.body.messages));
    expect(requests.some((text) => text.includes("Not spawned: this run already has 2 agents"))).toBe(true);
    await flotilla.kill();
  });

  it("tells the parent which child failed and why, and keeps its siblings' work", async () => {
    const flotilla = await world.startFlotilla();
    const agents = await runAgents(flotilla, "/agents run [[script:fail-root]] split in three", 4);
    const byName = new Map(agents.map((agent) => [agent.name, agent]));
    expect(byName.get("bad-2")?.state).toBe("failed");
    expect(byName.get("bad-2")?.error).toContain("simulated model failure for bad-2");
    expect(byName.get("ok-1")?.state).toBe("succeeded");
    expect(byName.get("ok-3")?.state).toBe("succeeded");
    const report = world.model
      .requestsFor("fail-root")
      .map((request) => JSON.stringify(request.body.messages))
      .find((text) => text.includes("Your sub-agents have finished"));
    expect(report).toContain("bad-2");
    expect(report).toContain("FAILED");
    expect(report).toContain("simulated model failure for bad-2");
    for (const name of ["ok-1", "ok-3"]) {
      const branch = byName.get(name)?.branch ?? "";
      expect(await world.remote.readFile(branch, `${name}.md`)).toBe("ok\n");
      await waitFor(
        () => world.github.pullRequests(e2eOwner, e2eRepo).find((pull) => pull.head.ref === branch),
        {
          what: `${name}'s pull request`,
        },
      );
    }
    await flotilla.kill();
  });
});
