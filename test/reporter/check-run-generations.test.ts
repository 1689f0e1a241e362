// A completed check run is final on GitHub, so every retry or continue of an agent (a new
// generation) gets a check run of its own with the same name and external_id, against the
// stand-in GitHub that refuses to reopen one: the old run keeps its outcome, the newest is the
// agent's (stored, linked from the tracking comment, found again after a crash lost its id).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCheckRun } from "../../src/github/check-runs.ts";
import type { Reporter } from "../../src/reporter/reporter.ts";
import type { AgentRecord } from "../../src/store/records.ts";
import { createReporterWorld, type ReporterWorld, worldOwner, worldRepo } from "../support/reporter-world.ts";
import { waitFor } from "../support/wait-for.ts";

let world: ReporterWorld;
let reporter: Reporter;

beforeAll(async () => {
  world = await createReporterWorld(94);
  reporter = world.createReporter({ limits: { perMinute: 1000, perHour: 10_000 }, minIntervalMs: 0 });
  reporter.start();
});
// Stops the stand-in last: a request that reopened a completed check run fails this file.
afterAll(() => world?.cleanup());

const runsOf = (agentId: string) =>
  world.github
    .checkRuns(worldOwner, worldRepo)
    .filter((run) => run.external_id === agentId)
    .sort((a, b) => a.id - b.id);

/** Changes the agent's record as the worker or a command would, and has the reporter show it. */
async function become(agentId: string, update: Partial<AgentRecord>): Promise<void> {
  await world.store.updateAgent(agentId, update);
  await reporter.changed(
    [
      { kind: "check", agentId },
      { kind: "comment", runId: agentId.split("/")[0] ?? "" },
    ],
    { urgent: true },
  );
}

/** What retry and continue do to the record: the next generation, queued again. */
const requeued = (generation: number): Partial<AgentRecord> => ({ generation, state: "queued" });

async function newestShows(agentId: string, count: number, status: string, conclusion: string | null = null) {
  return waitFor(
    () => {
      const runs = runsOf(agentId);
      const newest = runs.at(-1);
      return runs.length === count && newest?.status === status && newest.conclusion === conclusion
        ? newest
        : undefined;
    },
    { what: `check run ${count} of ${agentId} to be ${status} ${conclusion ?? ""}`, timeoutMs: 15_000 },
  );
}

describe("one check run per generation of an agent", () => {
  it("gives a retried agent a new check run, in progress then final, and leaves the cancelled one as it was", async () => {
    const { agentIds, issueNumber } = await world.createRun("rgen1", 1);
    const agentId = agentIds[0] ?? "";
    await become(agentId, { state: "running", startedAt: Date.now() });
    await newestShows(agentId, 1, "in_progress");
    await become(agentId, { state: "cancelled", endedAt: Date.now() });
    const cancelled = await newestShows(agentId, 1, "completed", "cancelled");
    const cancelledHistory = world.github.checkRunHistory(cancelled.id).length;

    await become(agentId, requeued(1));
    const retried = await newestShows(agentId, 2, "queued");
    await become(agentId, { state: "running" });
    await newestShows(agentId, 2, "in_progress");
    await become(agentId, { state: "succeeded", endedAt: Date.now() });
    await newestShows(agentId, 2, "completed", "neutral");

    expect(retried.name).toBe(cancelled.name);
    expect(retried.id).toBeGreaterThan(cancelled.id);
    expect(world.github.checkRunHistory(cancelled.id)).toHaveLength(cancelledHistory);
    expect(runsOf(agentId)[0]).toMatchObject({
      id: cancelled.id,
      status: "completed",
      conclusion: "cancelled",
    });
    expect(world.github.checkRunHistory(retried.id).map((event) => event.checkRun.status)).toEqual(
      expect.arrayContaining(["queued", "in_progress", "completed"]),
    );
    const agent = await world.store.getAgent(agentId);
    expect(agent).toMatchObject({
      checkRunId: retried.id,
      checkRunUrl: retried.html_url,
      checkRunGeneration: 1,
      checkRunCompleted: true,
    });
    // The tracking comment links the newest check run only.
    const comment = await waitFor(
      () =>
        world.github
          .comments(worldOwner, worldRepo, issueNumber)
          .find((candidate) => candidate.body?.includes(retried.html_url ?? "?")),
      { what: "the tracking comment to link the newest check run" },
    );
    expect(comment.body).not.toContain(`/runs/${cancelled.id})`);
  });

  it("finds this generation's check run when a crash lost its id, and never takes the older one", async () => {
    const { agentIds } = await world.createRun("rgen2", 1);
    const agentId = agentIds[0] ?? "";
    await become(agentId, { state: "running", startedAt: Date.now() });
    await become(agentId, { state: "out_of_budget", endedAt: Date.now() });
    const first = await newestShows(agentId, 1, "completed", "action_required");

    // Generation 1's check run was created, then the process died before storing its id.
    await world.store.updateAgent(agentId, requeued(1));
    const client = await world.clientFor(world.installationId);
    const orphan = await createCheckRun(
      client,
      { owner: worldOwner, repo: worldRepo },
      {
        name: first.name,
        headSha: first.head_sha,
        externalId: agentId,
        status: "queued",
        title: "Queued",
        summary: "queued again",
        actions: [],
      },
    );
    await become(agentId, { state: "running" });
    await newestShows(agentId, 2, "in_progress");

    expect(runsOf(agentId).map((run) => run.id)).toEqual([first.id, orphan.id]);
    expect((await world.store.getAgent(agentId))?.checkRunId).toBe(orphan.id);
  });

  it("closes an earlier check run that never showed its outcome before the agent was restarted", async () => {
    const { agentIds } = await world.createRun("rgen3", 1);
    const agentId = agentIds[0] ?? "";
    await become(agentId, { state: "running", startedAt: Date.now() });
    const running = await newestShows(agentId, 1, "in_progress");

    // Restarted before the reporter wrote the cancelled state (a rate-limited installation).
    await world.store.updateAgent(agentId, { state: "cancelled", endedAt: Date.now() });
    await become(agentId, requeued(1));
    await newestShows(agentId, 2, "queued");

    expect(runsOf(agentId)[0]).toMatchObject({
      id: running.id,
      status: "completed",
      conclusion: "neutral",
      output: { title: "Restarted: see this agent's newest check run" },
    });
  });
});
