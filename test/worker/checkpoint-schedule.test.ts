import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { scheduleCheckpoints } from "../../src/worker/checkpoint-schedule.ts";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A session the CLI writes after `pollsUntilWritten` polls, and the calls the schedule made. */
function recordingAgent(pollsUntilWritten: number) {
  const calls: string[] = [];
  let polls = 0;
  return {
    calls,
    saveSession: async () => {
      polls += 1;
      calls.push("save");
      return polls > pollsUntilWritten;
    },
    checkpoint: async () => {
      calls.push("checkpoint");
    },
  };
}

describe("checkpoint schedule", () => {
  it("saves the session as soon as the CLI has written it, then checkpoints every interval", async () => {
    const agent = recordingAgent(2);
    const stop = scheduleCheckpoints({ ...agent, intervalMs: 60_000, pollMs: 100, onError: () => {} });
    await vi.advanceTimersByTimeAsync(250);
    expect(agent.calls).toEqual(["save", "save"]);
    await vi.advanceTimersByTimeAsync(100);
    expect(agent.calls).toEqual(["save", "save", "save"]);
    await vi.advanceTimersByTimeAsync(59_000);
    expect(agent.calls).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(agent.calls).toEqual(["save", "save", "save", "checkpoint"]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(agent.calls).toEqual(["save", "save", "save", "checkpoint", "checkpoint"]);
    await stop();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(agent.calls).toHaveLength(5);
  });

  it("reports a failed checkpoint and tries again at the next turn", async () => {
    const errors: unknown[] = [];
    let failures = 1;
    const stop = scheduleCheckpoints({
      saveSession: async () => true,
      checkpoint: async () => {
        if (failures > 0) {
          failures -= 1;
          throw new Error("push refused");
        }
      },
      intervalMs: 1_000,
      pollMs: 100,
      onError: (error) => errors.push(error),
    });
    await vi.advanceTimersByTimeAsync(1_100);
    expect(errors).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(errors).toHaveLength(1);
    expect(failures).toBe(0);
    stop();
  });

  it("once stopped, resolves only after a checkpoint under way has ended (nothing else may push meanwhile)", async () => {
    let finishPush: () => void = () => {};
    const events: string[] = [];
    const stop = scheduleCheckpoints({
      saveSession: async () => true,
      checkpoint: async () => {
        events.push("push started");
        await new Promise<void>((resolve) => {
          finishPush = resolve;
        });
        events.push("push ended");
      },
      intervalMs: 1_000,
      pollMs: 100,
      onError: () => {},
    });
    await vi.advanceTimersByTimeAsync(1_100);
    expect(events).toEqual(["push started"]);
    const stopped = stop().then(() => events.push("stopped"));
    await vi.advanceTimersByTimeAsync(10);
    expect(events).toEqual(["push started"]);
    finishPush();
    await stopped;
    expect(events).toEqual(["push started", "push ended", "stopped"]);
  });
});
