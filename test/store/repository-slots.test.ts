// Repository slots against a real Redis: the limit holds across holders, a holder taking its slot
// again is not counted twice, released and expired leases free their slot.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RepositorySlots } from "../../src/store/repository-slots.ts";
import { createTestRedis, type TestRedis } from "../support/test-redis.ts";

let testRedis: TestRedis;
let slots: RepositorySlots;
const repository = { owner: "octo-org", repo: "demo" };

function request(holder: string, limit = 2, ttlMs = 60_000) {
  return { ...repository, holder, limit, ttlMs };
}

beforeEach(() => {
  testRedis = createTestRedis();
  slots = new RepositorySlots(testRedis.redis, testRedis.keys);
});

afterEach(() => testRedis.cleanup());

describe("RepositorySlots", () => {
  it("grants up to the limit and refuses beyond it, saying how many are held", async () => {
    expect(await slots.acquire(request("a"))).toEqual({ acquired: true, active: 1 });
    expect(await slots.acquire(request("b"))).toEqual({ acquired: true, active: 2 });
    expect(await slots.acquire(request("c"))).toEqual({ acquired: false, active: 2 });
    expect((await slots.holders(repository.owner, repository.repo)).sort()).toEqual(["a", "b"]);
  });

  it("lets a holder take its own slot again (a resumed job) without counting it twice", async () => {
    await slots.acquire(request("a", 1));
    expect(await slots.acquire(request("a", 1))).toEqual({ acquired: true, active: 1 });
    expect(await slots.acquire(request("b", 1))).toEqual({ acquired: false, active: 1 });
  });

  it("frees a slot when its holder releases it", async () => {
    await slots.acquire(request("a", 1));
    await slots.release(repository.owner, repository.repo, "a");
    expect(await slots.acquire(request("b", 1))).toEqual({ acquired: true, active: 1 });
  });

  it("frees the slot of a holder that stopped renewing (a killed worker) once its lease expires", async () => {
    await slots.acquire(request("dead", 1, 200));
    expect((await slots.acquire(request("b", 1))).acquired).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await slots.acquire(request("b", 1))).toEqual({ acquired: true, active: 1 });
  });

  it("keeps a renewed lease alive past its first expiry, and refuses to renew a lost one", async () => {
    await slots.acquire(request("a", 1, 300));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await slots.renew({ ...repository, holder: "a", ttlMs: 300 })).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await slots.acquire(request("b", 1))).acquired).toBe(false);
    expect(await slots.renew({ ...repository, holder: "never-held", ttlMs: 300 })).toBe(false);
  });

  it("takes and renews a lease whose length is not a whole number of milliseconds", async () => {
    // Redis refuses a computed PEXPIRE of 3001.5 (or an HINCRBY of -0): integers go through int().
    expect(await slots.acquire(request("a", 1, 1_500.5))).toEqual({ acquired: true, active: 1 });
    expect(await slots.renew({ ...repository, holder: "a", ttlMs: 2_000.25 })).toBe(true);
    expect(
      await testRedis.redis.pttl(testRedis.keys.repositoryActive(repository.owner, repository.repo)),
    ).toBeGreaterThan(3_000);
  });

  it("counts each repository on its own", async () => {
    await slots.acquire(request("a", 1));
    expect(
      (await slots.acquire({ owner: "octo-org", repo: "other", holder: "b", limit: 1, ttlMs: 60_000 }))
        .acquired,
    ).toBe(true);
  });

  it("never grants more than the limit to holders racing for it", async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, index) => slots.acquire(request(`agent-${index}`, 3))),
    );
    expect(answers.filter((answer) => answer.acquired)).toHaveLength(3);
  });
});
