// A repository's concurrency limit (`limits.max_concurrent_agents`), for real: with a limit of 1
// and two worker slots, the second run's agent waits in the queue (delayed, not failed, and
// said so on its check run and in its tracking comment) and starts only after the first ended.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createE2eEnvironment, type E2eEnvironment, e2eOwner, e2eRepo } from "../support/e2e-environment.ts";
import type { RunningFlotilla } from "../support/flotilla-process.ts";
import type { ModelScript } from "../support/scripted-model.ts";
import { waitFor } from "../support/wait-for.ts";

let world: E2eEnvironment;
let flotilla: RunningFlotilla;
/** When each script's model calls arrived, in ms. */
const calls: Record<string, number[]> = { "slot-a": [], "slot-b": [] };

/** Two slow turns (a Write after 3 s, then the answer after 3 s), each call timestamped. */
function slowScript(name: string): ModelScript {
  return (context) => {
    calls[name]?.push(Date.now());
    return context.step === 0
      ? {
          delayMs: 3_000,
          toolCalls: [
            { name: "Write", input: { file_path: `${context.cwd}/${name}.md`, content: `${name}\n` } },
          ],
        }
      : { delayMs: 3_000, text: `${name} done` };
  };
}

beforeAll(async () => {
  world = await createE2eEnvironment("slots");
  world.github.setFile(e2eOwner, e2eRepo, ".github/agents.yml", "limits:\n  max_concurrent_agents: 1\n");
  world.model.script("slot-a", slowScript("slot-a")).script("slot-b", slowScript("slot-b"));
  flotilla = await world.startFlotilla({ extraEnv: { WORKER_CONCURRENCY: "2" } });
});

afterAll(() => world?.cleanup());

describe("per-repository concurrency", () => {
  it("queues the second agent behind the limit and starts it only after the first ended", async () => {
    expect((await world.comment(flotilla, "/agents run [[script:slot-a]] first task")).status).toBe(200);
    expect((await world.comment(flotilla, "/agents run [[script:slot-b]] second task")).status).toBe(200);

    // While one agent works, the other's tracking comment and check run say it is queued.
    const queuedComment = await waitFor(
      () =>
        world.github
          .comments(e2eOwner, e2eRepo, 7)
          .find((comment) => comment.body?.includes("runs at most 1 agent at once")),
      { timeoutMs: 30_000, what: "a tracking comment saying an agent is queued behind the limit" },
    );
    expect(queuedComment.body).toContain("`limits.max_concurrent_agents`");
    // The check run says so in its own write, which may land just after the comment's.
    const queuedCheck = await waitFor(
      () =>
        world.github
          .checkRuns(e2eOwner, e2eRepo)
          .flatMap((run) => world.github.checkRunHistory(run.id))
          .find((event) => event.checkRun.output?.summary?.includes("the most it allows at once")),
      { timeoutMs: 30_000, what: "a check run saying its agent is queued behind the limit" },
    );
    expect(queuedCheck.checkRun.status).toBe("queued");
    expect(queuedCheck.checkRun.output?.summary).toContain("limits.max_concurrent_agents: 1");

    const checks = await waitFor(
      () => {
        const runs = world.github.checkRuns(e2eOwner, e2eRepo);
        return runs.length === 2 && runs.every((run) => run.status === "completed") ? runs : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 250, what: "both agents to complete" },
    );
    expect(checks.map((run) => run.conclusion)).toEqual(["success", "success"]);

    // The model saw one agent's calls, then the other's: never both at once.
    const [first, second] = (["slot-a", "slot-b"] as const)
      .map((name) => ({ name, times: calls[name] ?? [] }))
      .sort((a, b) => (a.times[0] ?? 0) - (b.times[0] ?? 0));
    expect(first?.times.length).toBeGreaterThanOrEqual(2);
    expect(second?.times.length).toBeGreaterThanOrEqual(2);
    expect(second?.times[0]).toBeGreaterThan((first?.times.at(-1) ?? 0) + 3_000);

    // The queued agent was delayed, not failed, and no slot is left held.
    const agents = await Promise.all(
      (await world.store.runIdsForIssue(e2eOwner, e2eRepo, 7)).map((runId) =>
        world.store.listRunAgents(runId),
      ),
    );
    expect(agents.flat().map((agent) => [agent.state, agent.slotWaitSince])).toEqual([
      ["succeeded", undefined],
      ["succeeded", undefined],
    ]);
    const jobs = await world.queue.getJobs(["failed"]);
    expect(jobs).toEqual([]);
    // The slot is given back right after the agent's final state is written.
    await waitFor(
      async () =>
        (await world.redis.zcard(world.store.keys.repositoryActive(e2eOwner, e2eRepo))) === 0 || undefined,
      { what: "every repository slot to be given back" },
    );
  });
});
