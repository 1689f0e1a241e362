// How many subprocesses one agent's whole life costs its worker, and where they were forked:
// counted by the process itself (flotilla_subprocesses_started_total{program,forked_by} on
// /metrics) while one agent, the first of its repository on this host (so its mirror is made for
// it), writes a file and becomes a pull request. Short commands fork in the worker's command
// runner, never on its event loop; so does the agent's own long-lived process (bwrap, or claude
// without a sandbox): nothing at all forks on the worker's event loop for an agent.
// The counts may only go down: a change that adds subprocesses per agent must raise the bound
// here on purpose and say why; one that removes some lowers it.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createE2eEnvironment, type E2eEnvironment, e2eOwner, e2eRepo } from "../support/e2e-environment.ts";
import type { RunningFlotilla } from "../support/flotilla-process.ts";
import { scrapeMetrics } from "../support/prometheus.ts";
import { waitFor } from "../support/wait-for.ts";

/**
 * Per agent (2026-12-05): 19 git and 1 bwrap when this test was written; 16 git once the agent's
 * repository started on its branch and a commit read its parent and tree in one call; 22 since
 * the first checkpoint of a stretch comes as soon as the CLI has written its session (so a host
 * lost in an agent's first seconds does not take the only copy of a new session with it); 27
 * (2026-12-06) since the CLI's exit is a checkpoint of its own, so that the session saved with
 * the agent's last turns is never ahead of its pushed work (test/worker/session-after-push.test.ts):
 * the finish that follows commits nothing new but still asks git so. 16 (2026-12-06, issue 18):
 * the finish takes the exit's checkpoint as its own (nothing ran in the worktree since), a
 * checkpoint reads the branch's head and commit count from what it just did instead of asking
 * git again, and a first start looks for no branch of its own. 12 when the agent's first
 * checkpoint comes after its exit, 16 when it comes just before (the exit's then finds nothing new).
 * 12 (2026-12-07): the first save of a session is not followed by a checkpoint at once (this
 * process has run nothing yet), so an agent shorter than CHECKPOINT_INTERVAL_SECONDS has none.
 */
const maxGitPerAgent = 12;
/**
 * The agent's own process (bwrap, or claude without a sandbox): one per stretch of its life, forked
 * by the command runner (on the worker's event loop until 2026-12-06, issue 18).
 */
const maxAgentProcessesPerAgent = 1;

let world: E2eEnvironment;
let flotilla: RunningFlotilla;

beforeAll(async () => {
  world = await createE2eEnvironment("subprocess-counts");
  world.model.script("counted", ({ step, cwd }) =>
    step === 0
      ? { toolCalls: [{ name: "Write", input: { file_path: `${cwd}/COUNTED.md`, content: "counted\n" } }] }
      : { text: "Wrote COUNTED.md." },
  );
  // No periodic checkpoint (its git calls would depend on how long the agent takes).
  flotilla = await world.startFlotilla({ extraEnv: { CHECKPOINT_INTERVAL_SECONDS: "3600" } });
});

afterAll(() => world?.cleanup());

/** Subprocesses started so far, keyed `program:forked_by`. */
async function launches(): Promise<Map<string, number>> {
  const samples = await scrapeMetrics(`${flotilla.opsUrl}/metrics`);
  const byProgram = new Map<string, number>();
  for (const [key, value] of samples) {
    const labels = /^flotilla_subprocesses_started_total\{(.*)\}$/.exec(key)?.[1];
    if (labels === undefined) continue;
    const program = /program="([^"]+)"/.exec(labels)?.[1];
    const forkedBy = /forked_by="([^"]+)"/.exec(labels)?.[1];
    byProgram.set(`${program}:${forkedBy}`, value);
  }
  return byProgram;
}

/** First model calls held until their session was kept, so far (flotilla_session_keep_wait_seconds). */
async function heldFirstCalls(): Promise<number> {
  const samples = await scrapeMetrics(`${flotilla.opsUrl}/metrics`);
  const count = [...samples].find(([key]) => key.startsWith("flotilla_session_keep_wait_seconds_count"));
  return count?.[1] ?? 0;
}

describe("subprocesses per agent", () => {
  it("stays within the counts measured for one agent that writes a file and opens a pull request", async () => {
    const before = await launches();
    const heldBefore = await heldFirstCalls();
    expect((await world.comment(flotilla, "/agents run [[script:counted]] write a file")).status).toBe(200);
    const pull = await waitFor(
      () =>
        world.github.pullRequests(e2eOwner, e2eRepo).find((each) => each.head.ref.includes("script-counted")),
      { timeoutMs: 120_000, what: "the agent's pull request" },
    );
    // agents/<run>/<agent>: the last thing a succeeded agent's worker does is remove its worktree.
    const [, runId = "", name = ""] = pull.head.ref.split("/");
    await waitFor(
      async () => {
        const [agent] = await world.store.listRunAgents(runId);
        const worktreeGone = !existsSync(join(flotilla.dataDir, "worktrees", runId, name));
        return agent?.state === "succeeded" && worktreeGone ? true : undefined;
      },
      { what: "the agent to succeed and its worktree to be removed" },
    );
    const after = await launches();
    const added = new Map(
      [...after].map(([program, count]) => [program, count - (before.get(program) ?? 0)]),
    );
    console.log(`subprocesses for one agent: ${JSON.stringify(Object.fromEntries(added))}`);
    const git = added.get("git:command_runner") ?? 0;
    const onEventLoop = [...added].filter(([key, count]) => key.endsWith(":event_loop") && count > 0);
    expect(git).toBeGreaterThan(0);
    expect(git).toBeLessThanOrEqual(maxGitPerAgent);
    expect(onEventLoop).toEqual([]);
    const agentProcesses =
      (added.get("bwrap:command_runner") ?? 0) + (added.get("claude:command_runner") ?? 0);
    expect(agentProcesses).toBeGreaterThan(0);
    expect(agentProcesses).toBeLessThanOrEqual(maxAgentProcessesPerAgent);
    // Its one session's first model call waited for the session to be kept, and was measured.
    expect((await heldFirstCalls()) - heldBefore).toBe(1);
  });
});
