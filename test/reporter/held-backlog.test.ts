// A backlog the write limiter holds back (a burst of commands leaves thousands of new check runs
// and comments paced at 80 writes a minute) must not be prepared again on every pass of the
// reporter's loop: preparing reads the records, renders the view and looks the GitHub object up,
// and the web process's webhook intake shares that event loop.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createReporterWorld, type ReporterWorld, worldOwner, worldRepo } from "../support/reporter-world.ts";
import { waitFor } from "../support/wait-for.ts";

let world: ReporterWorld;

beforeAll(async () => {
  world = await createReporterWorld(94);
});
afterAll(() => world?.cleanup());

describe("a backlog held by the write limiter", () => {
  it("is prepared about once per write, not once per pass of the loop", async () => {
    const limits = { perMinute: 4, perHour: 1_000, minuteMs: 1_500 };
    const { agentIds } = await world.createRun("rheld", 40);
    const prepared = vi.spyOn(world.store, "getAgent");
    let passes = 0;
    const reporter = world.createReporter({
      limits,
      minIntervalMs: 1_000,
      pollIntervalMs: 20,
      onPass: () => {
        passes += 1;
      },
    });
    await reporter.changed(
      agentIds.map((agentId) => ({ kind: "check", agentId })),
      { urgent: true },
    );
    reporter.start();
    // Three windows' worth of creations: the loop passed many times while most were held.
    await waitFor(() => world.github.checkRuns(worldOwner, worldRepo).length >= 12 || undefined, {
      what: "three windows of check runs",
      timeoutMs: 60_000,
    });
    await reporter.stop();
    const written = world.github.checkRuns(worldOwner, worldRepo).length;
    const preparations = prepared.mock.calls.length;
    prepared.mockRestore();
    // Each pass fetches up to 32 due targets: without the holds every pass prepared them all.
    expect(passes).toBeGreaterThan(30);
    // A write is prepared once; when a hold ends, a few of the 8 concurrent slots may each
    // prepare one that is then told to wait, and that teaches the next hold.
    expect(preparations).toBeLessThanOrEqual(written + 8 * (written / limits.perMinute + 1));
    expect(written).toBeLessThan(agentIds.length);
  });
});
