import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DirtyTargets } from "../../src/reporter/dirty-targets.ts";
import { createTestRedis, type TestRedis } from "../support/test-redis.ts";

let testRedis: TestRedis;

beforeAll(() => {
  testRedis = createTestRedis();
});
afterAll(() => testRedis.cleanup());

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
});
