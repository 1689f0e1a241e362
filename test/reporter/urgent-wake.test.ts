// An urgent change (a new object, a final state) is written as soon as it is marked, not at the
// reporter loop's next tick: the final check run of every agent waits on it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Reporter } from "../../src/reporter/reporter.ts";
import { createReporterWorld, type ReporterWorld, worldOwner, worldRepo } from "../support/reporter-world.ts";
import { waitFor } from "../support/wait-for.ts";

let world: ReporterWorld;

beforeAll(async () => {
  world = await createReporterWorld(93);
});
afterAll(() => world?.cleanup());

/** A started reporter whose loop polls only once a minute, after its first (empty) pass. */
async function idleReporter(minIntervalMs: number): Promise<Reporter> {
  const reporter = world.createReporter({
    limits: { perMinute: 100, perHour: 1000 },
    minIntervalMs,
    pollIntervalMs: 60_000,
  });
  reporter.start();
  await new Promise((resolve) => setTimeout(resolve, 200));
  return reporter;
}

const checkRunCount = () => world.github.checkRuns(worldOwner, worldRepo).length;

describe("urgent changes wake the reporter loop", () => {
  it("writes an urgent change long before the next poll", async () => {
    const reporter = await idleReporter(100);
    const { agentIds } = await world.createRun("rwake", 1);
    const startedAt = Date.now();
    await reporter.changed([{ kind: "check", agentId: agentIds[0] ?? "" }], { urgent: true });
    await waitFor(() => checkRunCount() === 1 || undefined, {
      what: "the check run",
      timeoutMs: 10_000,
      intervalMs: 10,
    });
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    await reporter.stop();
  });

  it("leaves a change that is not urgent to the loop's next tick", async () => {
    const reporter = await idleReporter(1);
    const before = checkRunCount();
    const { agentIds } = await world.createRun("rcalm", 1);
    await reporter.changed([{ kind: "check", agentId: agentIds[0] ?? "" }]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(checkRunCount()).toBe(before);
    await reporter.stop();
  });
});
