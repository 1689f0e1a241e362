import { describe, expect, it } from "vitest";
import { DirtyTargets } from "../../src/reporter/dirty-targets.ts";
import { useTestRedis } from "../support/test-redis.ts";

const testRedis = useTestRedis();

describe("DirtyTargets", () => {
  it("coalesces changes and clears a target only when no newer change arrived", async () => {
    const dirty = new DirtyTargets(testRedis.redis, testRedis.keys, 60_000);
    await dirty.mark(["check:r/a"], true);
    expect(await dirty.due(10)).toEqual(["check:r/a"]);
    const version = await dirty.version("check:r/a");
    // A change arrives while the write of `version` is under way.
    await dirty.mark(["check:r/a"], false);
    expect(await dirty.complete("check:r/a", version)).toBe(false);
    expect(await dirty.isDirty("check:r/a")).toBe(true);
    // It is not due again before the minimum interval: progress coalesces.
    expect(await dirty.due(10)).toEqual([]);
    // An urgent change (final state) is due at once.
    await dirty.mark(["check:r/a"], true);
    expect(await dirty.due(10)).toEqual(["check:r/a"]);
    expect(await dirty.complete("check:r/a", await dirty.version("check:r/a"))).toBe(true);
    expect(await dirty.isDirty("check:r/a")).toBe(false);
  });

  it("lets one owner at a time hold a target's lock", async () => {
    const dirty = new DirtyTargets(testRedis.redis, testRedis.keys, 1000);
    expect(await dirty.lock("comment:r", "one", 10_000)).toBe(true);
    expect(await dirty.lock("comment:r", "two", 10_000)).toBe(false);
    await dirty.unlock("comment:r", "two");
    expect(await dirty.lock("comment:r", "two", 10_000)).toBe(false);
    await dirty.unlock("comment:r", "one");
    expect(await dirty.lock("comment:r", "two", 10_000)).toBe(true);
  });

  it("keeps an urgent change that arrives during a write due at once", async () => {
    const dirty = new DirtyTargets(testRedis.redis, testRedis.keys, 60_000);
    await dirty.mark(["check:r/b"], false);
    await dirty.mark(["check:r/b"], true);
    const version = await dirty.version("check:r/b");
    expect(await dirty.complete("check:r/b", version)).toBe(true);
    // A progress write is under way when the final state arrives.
    await dirty.mark(["check:r/b"], false);
    const progressVersion = await dirty.version("check:r/b");
    await dirty.mark(["check:r/b"], true);
    expect(await dirty.complete("check:r/b", progressVersion)).toBe(false);
    // Not pushed behind the coalescing interval: the final state is due now.
    expect(await dirty.due(10)).toEqual(["check:r/b"]);
    // A progress change during a write, by contrast, waits for the interval.
    expect(await dirty.complete("check:r/b", await dirty.version("check:r/b"))).toBe(true);
    await dirty.mark(["check:r/b"], false);
    const next = await dirty.version("check:r/b");
    await dirty.mark(["check:r/b"], false);
    expect(await dirty.complete("check:r/b", next)).toBe(false);
    expect(await dirty.due(10)).toEqual([]);
  });
});
