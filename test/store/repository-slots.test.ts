// Repository slots against a real Redis: the limit holds across holders, a holder taking its slot
// again is not counted twice, released and expired leases free their slot.
import { afterEach, describe, expect, it } from "vitest";
import { RepositorySlots } from "../../src/store/repository-slots.ts";
import { useTestRedis } from "../support/test-redis.ts";
import { waitFor } from "../support/wait-for.ts";

const testRedis = useTestRedis();
const slots = new RepositorySlots(testRedis.redis, testRedis.keys);
const repository = { owner: "octo-org", repo: "demo" };

/** When `holder`'s lease ends, in epoch milliseconds (its score in the repository's lease set). */
async function expiryOf(holder: string): Promise<number> {
  const key = testRedis.keys.repositoryActive(repository.owner, repository.repo);
  return Number(await testRedis.redis.zscore(key, holder));
}

function request(holder: string, limit = 2, ttlMs = 60_000) {
  return { ...repository, holder, limit, ttlMs };
}

// Every test starts with no lease held.
afterEach(() => testRedis.clear());

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
    // Leases are seconds long, so "refused while held" holds however slow the machine is.
    const acquiredAt = Date.now();
    await slots.acquire(request("dead", 1, 2_000));
    expect((await slots.acquire(request("b", 1))).acquired).toBe(false);
    const taken = await waitFor(async () => (await slots.acquire(request("b", 1))).acquired, {
      what: "the dead holder's slot to be free",
      intervalMs: 50,
    });
    expect(taken).toBe(true);
    expect(Date.now() - acquiredAt).toBeGreaterThanOrEqual(1_900);
  });

  it("keeps a renewed lease alive past its first expiry, and refuses to renew a lost one", async () => {
    await slots.acquire(request("a", 1, 2_000));
    const firstExpiry = await expiryOf("a");
    expect(await slots.renew({ ...repository, holder: "a", ttlMs: 8_000 })).toBe(true);
    expect(await expiryOf("a")).toBeGreaterThan(firstExpiry);
    // Past the first expiry (Redis's clock is this host's), the renewed lease still holds.
    await waitFor(() => Date.now() > firstExpiry + 100, { what: "the first expiry to pass", intervalMs: 50 });
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
