// The budget store's model-call scripts against a real Redis: a call's worst case reserved before
// it goes out and settled to what it cost, turns counted with calls in flight, reservations of a
// dead worker dropped, racing calls never past the budget; and the daily token counts per
// installation. The child and continue scripts are in budget-store.test.ts.
import { describe, expect, it } from "vitest";
import { dailyResetsAt, utcDay } from "../../src/store/budget-store.ts";
import { RecordNotFoundError } from "../../src/store/run-store.ts";
import { useBudgetWorld } from "../support/budget-world.ts";

const { testRedis, budgets, createAgent, spawnChild, charge } = useBudgetWorld();

describe("model call reservations", () => {
  function reserve(
    agentId: string,
    reservationId: string,
    inputTokens: number,
    wanted: number,
    minimum = 100,
  ) {
    return budgets.reserveCall(agentId, {
      reservationId,
      inputTokens,
      wantedAnswerTokens: wanted,
      minimumAnswerTokens: minimum,
    });
  }

  it("holds a call's worst case until it is settled to what it cost, and counts it as a turn", async () => {
    const id = await createAgent(10_000);
    expect(await reserve(id, "c1", 2_000, 3_000)).toEqual({
      granted: true,
      answerTokens: 3_000,
      reservedTokens: 5_000,
    });
    expect(await budgets.snapshot(id)).toMatchObject({ reservedTokens: 5_000, remainingTokens: 5_000 });
    expect(
      await budgets.settleCall(id, "c1", { tokens: 2_400, costUsd: 0.01, answered: true }),
    ).toMatchObject({
      spentTokens: 2_400,
      remainingTokens: 7_600,
      turns: 1,
      wasReserved: true,
    });
    expect(await budgets.snapshot(id)).toMatchObject({ reservedTokens: 0, remainingTokens: 7_600 });
    expect(await testRedis.redis.hlen(testRedis.keys.agentCallReservations(id))).toBe(0);
  });

  it("lowers the answer to what is left, and refuses only when not even the smallest answer fits", async () => {
    const id = await createAgent(1_000);
    expect(await reserve(id, "a", 600, 64_000)).toMatchObject({ granted: true, answerTokens: 400 });
    const refused = await reserve(id, "b", 10, 64_000);
    expect(refused).toMatchObject({ granted: false, reason: "budget" });
    expect(refused.granted === false && refused.reason === "budget" && refused.snapshot).toMatchObject({
      reservedTokens: 1_000,
      remainingTokens: 0,
    });
    // A call that asks for less than the smallest answer gets it when it fits.
    await budgets.settleCall(id, "a", { tokens: 700, costUsd: 0, answered: true });
    expect(await reserve(id, "c", 200, 50)).toMatchObject({ granted: true, answerTokens: 50 });
    expect(await reserve(id, "d", 0, 1_000)).toMatchObject({ granted: false, reason: "budget" });
  });

  it("keeps what calls in flight hold from a sub-agent, and what children hold from calls", async () => {
    const parent = await createAgent(10_000);
    await reserve(parent, "big", 4_000, 4_000);
    expect(await budgets.reserveForChild(parent, "rbudget/too-big", 2_500, 0.25)).toHaveProperty("refused");
    await spawnChild(parent, 2_000);
    expect(await reserve(parent, "small", 100, 64_000)).toMatchObject({ granted: false, reason: "budget" });
  });

  it("refuses a call when answered calls and calls in flight reach the turn limit", async () => {
    const id = await createAgent(1_000_000, undefined, 10);
    for (let turn = 0; turn < 8; turn += 1) await charge(id, 10, 0);
    await reserve(id, "t9", 10, 10);
    await reserve(id, "t10", 10, 10);
    expect(await reserve(id, "t11", 10, 10)).toEqual({
      granted: false,
      reason: "turns",
      turns: 8,
      maxTurns: 10,
      inFlight: 2,
    });
    // A call that the model never answered (an error) is no turn: its place is free again.
    await budgets.settleCall(id, "t10", { tokens: 0, costUsd: 0, answered: false });
    expect(await reserve(id, "t10b", 10, 10)).toMatchObject({ granted: true });
    await budgets.settleCall(id, "t9", { tokens: 20, costUsd: 0, answered: true });
    await budgets.settleCall(id, "t10b", { tokens: 20, costUsd: 0, answered: true });
    expect(await reserve(id, "t11", 10, 10)).toMatchObject({ granted: false, reason: "turns", turns: 10 });
  });

  it("drops a dead worker's reservations, and settles a dropped one by charging it only", async () => {
    const id = await createAgent(10_000);
    await reserve(id, "x", 1_000, 2_000);
    await reserve(id, "y", 1_000, 2_000);
    expect(await budgets.dropCallReservations(id)).toBe(6_000);
    expect(await budgets.snapshot(id)).toMatchObject({ reservedTokens: 0, remainingTokens: 10_000 });
    expect(await budgets.settleCall(id, "x", { tokens: 1_500, costUsd: 0, answered: true })).toMatchObject({
      remainingTokens: 8_500,
      wasReserved: false,
    });
    expect((await budgets.snapshot(id))?.reservedTokens).toBe(0);
  });

  it("gives a parent back what an ended child still had reserved", async () => {
    const parent = await createAgent(10_000);
    const child = await spawnChild(parent, 4_000);
    await reserve(child.id, "left-behind", 1_000, 1_000);
    await charge(child.id, 500, 0);
    expect(await budgets.releaseChild(parent, child.id)).toEqual({ returnedTokens: 3_500 });
    expect(await budgets.snapshot(child.id)).toMatchObject({ reservedTokens: 0 });
    expect(await testRedis.redis.exists(testRedis.keys.agentCallReservations(child.id))).toBe(0);
  });

  it("never lets parallel calls reserve more than the budget, however they race", async () => {
    const id = await createAgent(20_000);
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, index) => reserve(id, `p${index}`, 300, 1_000, 500)),
    );
    const granted = results.filter((result) => result.granted);
    const held = granted.reduce((sum, result) => sum + (result.granted ? result.reservedTokens : 0), 0);
    expect(held).toBeLessThanOrEqual(20_000);
    // 15 whole calls of 1,300 fit; the 500 left cannot hold 300 of input and a 500-token answer.
    expect(granted.length).toBe(15);
    expect(await budgets.snapshot(id)).toMatchObject({ reservedTokens: held });
  });

  it("refuses to invent an agent that has no record", async () => {
    await expect(reserve("rbudget/ghost", "g", 1, 1)).rejects.toBeInstanceOf(RecordNotFoundError);
    expect(await testRedis.redis.exists(testRedis.keys.agent("rbudget/ghost"))).toBe(0);
  });
});

describe("daily token counts", () => {
  it("counts per installation and UTC day, with an expiry", async () => {
    const day = new Date("2026-11-03T23:59:59Z");
    const nextDay = new Date("2026-11-04T00:00:01Z");
    expect(await budgets.dailyUsage(77, day)).toBe(0);
    expect(await budgets.chargeDaily(77, 1_000, day)).toBe(1_000);
    expect(await budgets.chargeDaily(77, 234, day)).toBe(1_234);
    expect(await budgets.chargeDaily(78, 5, day)).toBe(5);
    expect(await budgets.dailyUsage(77, day)).toBe(1_234);
    expect(await budgets.dailyUsage(77, nextDay)).toBe(0);
    const ttl = await testRedis.redis.ttl(testRedis.keys.dailyTokens(77, utcDay(day)));
    expect(ttl).toBeGreaterThan(86_400);
  });

  it("resets at the next UTC midnight", () => {
    expect(dailyResetsAt(new Date("2026-11-03T10:20:30Z")).toISOString()).toBe("2026-11-04T00:00:00.000Z");
    expect(dailyResetsAt(new Date("2026-12-31T23:59:59Z")).toISOString()).toBe("2027-01-01T00:00:00.000Z");
    expect(dailyResetsAt(new Date("2026-11-04T00:00:00Z")).toISOString()).toBe("2026-11-05T00:00:00.000Z");
  });
});
