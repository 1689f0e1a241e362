import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SessionKeeper } from "../../src/worker/session-keeper.ts";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A session file the CLI writes after `savesUntilWritten` tries; records every try and warning. */
function keeperOf(savesUntilWritten: number, options: { failFirst?: boolean; giveUpMs?: number } = {}) {
  const events: string[] = [];
  let tries = 0;
  const keeper = new SessionKeeper({
    save: async () => {
      tries += 1;
      events.push("save");
      if (options.failFirst === true && tries === 1) throw new Error("Redis went away");
      return tries > savesUntilWritten;
    },
    onError: (error) => events.push(`error: ${error instanceof Error ? error.message : String(error)}`),
    onGiveUp: () => events.push("gave up"),
    pollMs: 10,
    giveUpMs: options.giveUpMs ?? 10_000,
  });
  return { keeper, events };
}

/** Whether `promise` has settled, after the timers and microtasks due now have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => {
    done = true;
  });
  await vi.advanceTimersByTimeAsync(0);
  return done;
}

describe("session keeper", () => {
  it("holds its waiters until a save finds the session, polling every 10 ms", async () => {
    const { keeper, events } = keeperOf(3);
    const first = keeper.untilSaved();
    const second = keeper.untilSaved();
    expect(await settled(first)).toBe(false);
    await vi.advanceTimersByTimeAsync(25);
    expect(await settled(second)).toBe(false);
    expect(events).toEqual(["save", "save", "save"]);
    await vi.advanceTimersByTimeAsync(10);
    expect(await settled(first)).toBe(true);
    expect(await settled(second)).toBe(true);
    expect(events).toEqual(["save", "save", "save", "save"]);
  });

  it("saves once: a saved session is not read again, and saves at the same time share one", async () => {
    const { keeper, events } = keeperOf(0);
    const both = await Promise.all([keeper.saveOnce(), keeper.saveOnce()]);
    expect(both).toEqual([true, true]);
    expect(await keeper.saveOnce()).toBe(true);
    await keeper.untilSaved();
    expect(events).toEqual(["save"]);
  });

  it("reports a failed save and tries again a second later, not at every poll", async () => {
    const { keeper, events } = keeperOf(1, { failFirst: true });
    const waiting = keeper.untilSaved();
    await vi.advanceTimersByTimeAsync(990);
    expect(events).toEqual(["save", "error: Redis went away"]);
    expect(await keeper.saveOnce()).toBe(false);
    expect(await settled(waiting)).toBe(false);
    await vi.advanceTimersByTimeAsync(20);
    expect(await settled(waiting)).toBe(true);
    expect(events).toEqual(["save", "error: Redis went away", "save"]);
  });

  it("lets the calls go after the time allowed, saying so, when the session never appears", async () => {
    const { keeper, events } = keeperOf(Number.POSITIVE_INFINITY, { giveUpMs: 100 });
    const waiting = keeper.untilSaved();
    await vi.advanceTimersByTimeAsync(90);
    expect(await settled(waiting)).toBe(false);
    await vi.advanceTimersByTimeAsync(20);
    expect(await settled(waiting)).toBe(true);
    expect(events.at(-1)).toBe("gave up");
  });

  it("releases its waiters when the agent's process has ended", async () => {
    const { keeper, events } = keeperOf(Number.POSITIVE_INFINITY);
    const waiting = keeper.untilSaved();
    await vi.advanceTimersByTimeAsync(30);
    keeper.stop();
    await vi.advanceTimersByTimeAsync(10);
    expect(await settled(waiting)).toBe(true);
    expect(events).not.toContain("gave up");
  });
});
