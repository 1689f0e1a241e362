import { describe, expect, it } from "vitest";
import { WriteLimiter, type WriteSlot } from "../../src/reporter/write-limiter.ts";
import { useTestRedis } from "../support/test-redis.ts";

const testRedis = useTestRedis();

/** 0 for a claimed write, as GitHub's own "go now"; else the wait. */
function waitOf(result: WriteSlot | number): number {
  return typeof result === "number" ? result : 0;
}

describe("WriteLimiter", () => {
  it("allows at most the per-minute number of writes, per installation", async () => {
    const limiter = new WriteLimiter(testRedis.redis, testRedis.keys, { perMinute: 5, perHour: 100 });
    const waits: number[] = [];
    for (let i = 0; i < 7; i += 1) waits.push(waitOf(await limiter.tryAcquire(1, "final")));
    expect(waits.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    expect(waits[5]).toBeGreaterThan(55_000);
    expect(waits[6]).toBeGreaterThan(55_000);
    expect(waitOf(await limiter.tryAcquire(2, "final"))).toBe(0);
  });

  it("keeps a quarter of each minute for final states", async () => {
    const limiter = new WriteLimiter(testRedis.redis, testRedis.keys, { perMinute: 8, perHour: 1000 });
    for (let i = 0; i < 6; i += 1) expect(waitOf(await limiter.tryAcquire(5, "progress"))).toBe(0);
    expect(waitOf(await limiter.tryAcquire(5, "progress"))).toBeGreaterThan(55_000);
    expect(waitOf(await limiter.tryAcquire(5, "final"))).toBe(0);
    expect(waitOf(await limiter.tryAcquire(5, "final"))).toBe(0);
    expect(waitOf(await limiter.tryAcquire(5, "final"))).toBeGreaterThan(55_000);
  });

  it("keeps a fifth of the hourly allowance for final states", async () => {
    const limiter = new WriteLimiter(testRedis.redis, testRedis.keys, { perMinute: 1000, perHour: 10 });
    for (let i = 0; i < 8; i += 1) expect(waitOf(await limiter.tryAcquire(3, "progress"))).toBe(0);
    expect(waitOf(await limiter.tryAcquire(3, "progress"))).toBeGreaterThan(0);
    expect(waitOf(await limiter.tryAcquire(3, "final"))).toBe(0);
    expect(waitOf(await limiter.tryAcquire(3, "final"))).toBe(0);
    expect(waitOf(await limiter.tryAcquire(3, "final"))).toBeGreaterThan(0);
  });

  it("pauses an installation after GitHub says so", async () => {
    const limiter = new WriteLimiter(testRedis.redis, testRedis.keys, { perMinute: 1000, perHour: 1000 });
    await limiter.pause(4, 30_000);
    const wait = waitOf(await limiter.tryAcquire(4, "final"));
    expect(wait).toBeGreaterThan(25_000);
    expect(wait).toBeLessThanOrEqual(30_000);
  });

  it("takes its window lengths from the caller, and frees a slot when the window has passed", async () => {
    const limiter = new WriteLimiter(testRedis.redis, testRedis.keys, {
      perMinute: 3,
      perHour: 100,
      minuteMs: 400,
      hourMs: 10_000,
    });
    const slots: WriteSlot[] = [];
    for (let i = 0; i < 3; i += 1) {
      const slot = await limiter.tryAcquire(6, "final");
      if (typeof slot === "number") throw new Error(`write ${i} was refused`);
      slots.push(slot);
    }
    await limiter.settle(slots);
    const wait = waitOf(await limiter.tryAcquire(6, "final"));
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(500);
    await new Promise((resolve) => setTimeout(resolve, wait + 20));
    expect(waitOf(await limiter.tryAcquire(6, "final"))).toBe(0);
  });

  it("never shortens a pause that is already longer", async () => {
    const limiter = new WriteLimiter(testRedis.redis, testRedis.keys, { perMinute: 1000, perHour: 1000 });
    await limiter.pause(7, 30_000);
    await limiter.pause(7, 1_000);
    expect(waitOf(await limiter.tryAcquire(7, "final"))).toBeGreaterThan(25_000);
  });

  it("counts a write in flight until it is settled, then a window from when GitHub answered", async () => {
    const windowMs = 5_000;
    const limiter = new WriteLimiter(testRedis.redis, testRedis.keys, {
      perMinute: 2,
      perHour: 100,
      minuteMs: windowMs,
    });
    const first = await limiter.tryAcquire(8, "final");
    const second = await limiter.tryAcquire(8, "final");
    if (typeof first === "number" || typeof second === "number") throw new Error("a write was refused");
    // Unanswered, they may reach GitHub at any moment: they hold their places beyond one window.
    const whileInFlight = waitOf(await limiter.tryAcquire(8, "final"));
    expect(whileInFlight).toBeGreaterThan(windowMs);
    expect(whileInFlight).toBeLessThanOrEqual(2 * windowMs);
    // Answered now: they count one window from now, however long ago they were claimed.
    await limiter.settle([first, second]);
    const afterAnswers = waitOf(await limiter.tryAcquire(8, "final"));
    expect(afterAnswers).toBeGreaterThan(0);
    expect(afterAnswers).toBeLessThanOrEqual(windowMs);
    // Another installation's log is its own.
    expect(waitOf(await limiter.tryAcquire(9, "final"))).toBe(0);
  });
});
