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

/**
 * A started reporter whose loop polls only once a minute, returned once its first pass, with
 * nothing to write, has ended (so the loop is idle, not ticking); `passes()` counts its passes.
 */
async function idleReporter(minIntervalMs: number): Promise<{ reporter: Reporter; passes(): number }> {
  let passes = 0;
  const reporter = world.createReporter({
    limits: { perMinute: 100, perHour: 1000 },
    minIntervalMs,
    pollIntervalMs: 60_000,
    onPass: () => {
      passes += 1;
    },
  });
  // What an earlier test left dirty is written first: the first pass finds nothing to do.
  expect(await reporter.drain(30_000)).toBe(true);
  passes = 0; // drain's own passes are not the loop's
  reporter.start();
  // Seen from a timer: the pass's last steps (after it read what is due) are done by then.
  await waitFor(() => passes > 0, { what: "the reporter's first pass", intervalMs: 10 });
  return { reporter, passes: () => passes };
}

const checkRunCount = () => world.github.checkRuns(worldOwner, worldRepo).length;

describe("urgent changes wake the reporter loop", () => {
  it("writes an urgent change long before the next poll", async () => {
    const { reporter, passes } = await idleReporter(100);
    const { agentIds } = await world.createRun("rwake", 1);
    await reporter.changed([{ kind: "check", agentId: agentIds[0] ?? "" }], { urgent: true });
    // Half the poll interval: written by then, it was the urgent change that woke the loop.
    await waitFor(() => checkRunCount() === 1 || undefined, {
      what: "the check run",
      timeoutMs: 30_000,
      intervalMs: 10,
    });
    expect(passes()).toBeGreaterThan(1);
    await reporter.stop();
  });

  it("leaves a change that is not urgent to the loop's next tick", async () => {
    const { reporter, passes } = await idleReporter(1);
    const before = { checkRuns: checkRunCount(), passes: passes() };
    const { agentIds } = await world.createRun("rcalm", 1);
    await reporter.changed([{ kind: "check", agentId: agentIds[0] ?? "" }]);
    // A pass the change started would be on a 0 ms timer set before changed() returned (a wake),
    // so it begins before a 0 ms timer set now fires; stop() then waits for the pass under way to
    // end. No time to guess: a loaded machine delays both alike.
    await new Promise((resolve) => setTimeout(resolve, 0));
    await reporter.stop();
    expect({ checkRuns: checkRunCount(), passes: passes() }).toEqual(before);
  });
});
