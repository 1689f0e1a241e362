// The budget store against a real Redis, one case at a time: what its Lua scripts for charging,
// reserving and releasing a child, continuing (addBudget), reserving and settling a model call,
// and the daily counts return and leave behind. The edges get their own cases (a child that spent
// exactly its budget, one that overshot, a parent with nothing left) because that is where Lua's
// numbers went wrong before, and racing calls must lose nothing and overspend nothing. Whether the
// scripts add up over a whole tree of agents is in budget-tree-simulation.test.ts.
import { describe, expect, it } from "vitest";
import { BudgetStore, dailyResetsAt, utcDay } from "../../src/store/budget-store.ts";
import { RecordNotFoundError, RunStore } from "../../src/store/run-store.ts";
import { agentRecorder } from "../support/agent-record.ts";
import { useTestRedis } from "../support/test-redis.ts";

/** Numbers the children spawnChild records, so that each gets an id of its own. */
let childCounter = 0;

const testRedis = useTestRedis();
const budgets = new BudgetStore(testRedis.redis, testRedis.keys);
const runs = new RunStore(testRedis.redis, testRedis.keys);

const createAgent = agentRecorder(runs, "rbudget");

/** A child spawned the way the spawn tool does it: reserve, then record with what was granted. */
async function spawnChild(
  parentId: string,
  requested?: number,
  share = 0.25,
): Promise<{ id: string; granted: number }> {
  childCounter += 1;
  const id = `rbudget/agent-${childCounter}-child`;
  const reservation = await budgets.reserveForChild(parentId, id, requested, share);
  if (!("granted" in reservation)) throw new Error(reservation.refused);
  await runs.addAgent({
    id,
    runId: "rbudget",
    name: id.split("/")[1]!,
    depth: 1,
    task: "child task",
    branch: `agents/${id}`,
    baseSha: "a".repeat(40),
    sessionId: "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
    budgetTokens: reservation.granted,
    maxTurns: 10,
    createdAt: 1,
    parentId,
  });
  return { id, granted: reservation.granted };
}

/** Charges a model call without a reservation (settling one that was never reserved). */
function charge(agentId: string, tokens: number, costUsd: number) {
  return budgets.settleCall(agentId, undefined, { tokens, costUsd, answered: true });
}

async function remaining(agentId: string): Promise<number> {
  return (await budgets.snapshot(agentId))!.remainingTokens;
}

describe("BudgetStore.settleCall without a reservation", () => {
  it("adds tokens, cost and a turn", async () => {
    const id = await createAgent(1_000);
    expect(await charge(id, 600, 0.0123)).toEqual({
      spentTokens: 600,
      budgetTokens: 1_000,
      remainingTokens: 400,
      costUsd: 0.0123,
      turns: 1,
      wasReserved: false,
    });
    const second = await charge(id, 450, 0.001);
    expect(second).toMatchObject({ spentTokens: 1_050, remainingTokens: -50, turns: 2 });
    expect(second.costUsd).toBeCloseTo(0.0133, 10);
    const record = await runs.requireAgent(id);
    expect([record.spentTokens, record.costUsd]).toEqual([1_050, 0.0133]);
  });

  it("counts what children hold as not available to the parent", async () => {
    const parent = await createAgent(1_000);
    await spawnChild(parent, 700);
    expect(await charge(parent, 300, 0)).toMatchObject({ remainingTokens: 0 });
  });

  it("refuses to invent an agent that has no record", async () => {
    await expect(charge("rbudget/ghost", 10, 0)).rejects.toBeInstanceOf(RecordNotFoundError);
    expect(await testRedis.redis.exists(testRedis.keys.agent("rbudget/ghost"))).toBe(0);
  });

  it("rejects token counts that are not whole numbers", async () => {
    const id = await createAgent(100);
    await expect(charge(id, 1.5, 0)).rejects.toThrow(/whole number/);
    await expect(charge(id, -1, 0)).rejects.toThrow(/whole number/);
  });
});

describe("BudgetStore.reserveForChild", () => {
  it("gives the default share of what the parent has left, and commits it on the parent", async () => {
    const parent = await createAgent(10_000);
    await charge(parent, 2_000, 0);
    const child = await spawnChild(parent, undefined, 0.25);
    expect(child.granted).toBe(2_000);
    expect(await budgets.snapshot(parent)).toMatchObject({
      childCommittedTokens: 2_000,
      remainingTokens: 6_000,
    });
    expect((await runs.requireAgent(child.id)).budgetTokens).toBe(2_000);
    const second = await spawnChild(parent, undefined, 0.25);
    expect(second.granted).toBe(1_500);
  });

  it("gives exactly what was asked when the parent has it, up to everything it has left", async () => {
    const parent = await createAgent(5_000);
    expect((await spawnChild(parent, 1_234)).granted).toBe(1_234);
    expect((await spawnChild(parent, 3_766)).granted).toBe(3_766);
    expect(await remaining(parent)).toBe(0);
  });

  it("refuses more than the parent has left with a reason the model can act on", async () => {
    const parent = await createAgent(5_000);
    await charge(parent, 4_000, 0);
    const refusal = await budgets.reserveForChild(parent, "rbudget/too-big", 2_000, 0.25);
    expect(refusal).toEqual({
      refused:
        "asked for 2,000 tokens for the sub-agent, but this agent has only 1,000 tokens of budget left; ask for less, or finish the work without a sub-agent",
    });
    expect(await budgets.snapshot(parent)).toMatchObject({ childCommittedTokens: 0, remainingTokens: 1_000 });
    expect(await testRedis.redis.exists(testRedis.keys.agent("rbudget/too-big"))).toBe(0);
  });

  it("refuses a share that rounds down to nothing, and a request of zero", async () => {
    const parent = await createAgent(3);
    expect(await budgets.reserveForChild(parent, "rbudget/tiny", undefined, 0.25)).toEqual({
      refused: "this agent has only 3 tokens of budget left, too few to give a sub-agent any",
    });
    expect(await budgets.reserveForChild(parent, "rbudget/zero", 0, 0.25)).toHaveProperty("refused");
  });

  it("reserves once per child: a retried spawn gets the same grant and commits nothing more", async () => {
    const parent = await createAgent(8_000);
    const first = await budgets.reserveForChild(parent, "rbudget/retried", 1_000, 0.25);
    const again = await budgets.reserveForChild(parent, "rbudget/retried", 1_000, 0.25);
    expect([first, again]).toEqual([{ granted: 1_000 }, { granted: 1_000 }]);
    expect((await budgets.snapshot(parent))!.childCommittedTokens).toBe(1_000);
  });
});

describe("BudgetStore.releaseChild", () => {
  it("returns what the child did not spend, once", async () => {
    const parent = await createAgent(10_000);
    const child = await spawnChild(parent, 4_000);
    await charge(child.id, 1_500, 0);
    expect(await budgets.releaseChild(parent, child.id)).toEqual({ returnedTokens: 2_500 });
    expect(await budgets.snapshot(parent)).toMatchObject({
      childCommittedTokens: 1_500,
      remainingTokens: 8_500,
    });
    expect(await budgets.releaseChild(parent, child.id)).toEqual({ returnedTokens: 0 });
    expect((await budgets.snapshot(parent))!.childCommittedTokens).toBe(1_500);
  });

  it("keeps what the child's own children still hold committed up the tree", async () => {
    const root = await createAgent(10_000);
    const child = await spawnChild(root, 6_000);
    const grandchild = await spawnChild(child.id, 2_000);
    await charge(child.id, 1_000, 0);
    expect(await budgets.releaseChild(root, child.id)).toEqual({ returnedTokens: 3_000 });
    expect((await budgets.snapshot(root))!.childCommittedTokens).toBe(3_000);
    await charge(grandchild.id, 500, 0);
    expect(await budgets.releaseChild(child.id, grandchild.id)).toEqual({ returnedTokens: 1_500 });
  });

  it("makes the parent carry a child's overshoot on its last call", async () => {
    const parent = await createAgent(10_000);
    const child = await spawnChild(parent, 1_000);
    await charge(child.id, 1_200, 0);
    expect(await budgets.releaseChild(parent, child.id)).toEqual({ returnedTokens: -200 });
    expect(await remaining(parent)).toBe(8_800);
  });

  it("fails loudly when either record is missing", async () => {
    const parent = await createAgent(1_000);
    await expect(budgets.releaseChild(parent, "rbudget/nobody")).rejects.toBeInstanceOf(RecordNotFoundError);
  });
});

describe("every budget script at its edges", () => {
  it("releases a child that spent exactly its budget (unused = 0, which Lua would send as -0)", async () => {
    const parent = await createAgent(10_000);
    const child = await spawnChild(parent, 3_000);
    await charge(child.id, 3_000, 0);
    expect(await budgets.releaseChild(parent, child.id)).toEqual({ returnedTokens: 0 });
    expect(await budgets.snapshot(parent)).toMatchObject({
      childCommittedTokens: 3_000,
      remainingTokens: 7_000,
    });
    expect(await budgets.releaseChild(parent, child.id)).toEqual({ returnedTokens: 0 });
  });

  it("releases a child whose only call was exactly its whole budget", async () => {
    const parent = await createAgent(5_000);
    const child = await spawnChild(parent, 1);
    expect(await charge(child.id, 1, 0)).toMatchObject({ remainingTokens: 0 });
    expect(await budgets.releaseChild(parent, child.id)).toEqual({ returnedTokens: 0 });
    expect(await remaining(parent)).toBe(4_999);
  });

  it("returns a whole reservation from a child that never called the model", async () => {
    const parent = await createAgent(5_000);
    const child = await spawnChild(parent, 2_000);
    expect(await budgets.releaseChild(parent, child.id)).toEqual({ returnedTokens: 2_000 });
    expect(await budgets.snapshot(parent)).toMatchObject({ childCommittedTokens: 0, remainingTokens: 5_000 });
  });

  it("makes the parent carry an overshoot (negative unused) from a child's last call", async () => {
    const parent = await createAgent(5_000);
    const child = await spawnChild(parent, 500);
    await charge(child.id, 499, 0);
    await charge(child.id, 2, 0);
    expect(await budgets.releaseChild(parent, child.id)).toEqual({ returnedTokens: -1 });
    expect(await budgets.snapshot(parent)).toMatchObject({
      childCommittedTokens: 501,
      remainingTokens: 4_499,
    });
  });

  it("reserves exactly everything a parent has left, and then nothing more", async () => {
    const parent = await createAgent(1_000);
    await charge(parent, 400, 0);
    expect(await budgets.reserveForChild(parent, "rbudget/all-of-it", 600, 0.25)).toEqual({ granted: 600 });
    expect(await remaining(parent)).toBe(0);
    expect(await budgets.reserveForChild(parent, "rbudget/one-more", undefined, 0.25)).toHaveProperty(
      "refused",
    );
  });

  it("continues a child released at exactly its budget, and releases it again at exactly its new budget", async () => {
    const parent = await createAgent(10_000);
    const child = await spawnChild(parent, 1_000);
    await charge(child.id, 1_000, 0);
    await budgets.releaseChild(parent, child.id);
    expect(await budgets.addBudget(child.id, 500)).toEqual({ budgetTokens: 1_500 });
    expect((await budgets.snapshot(parent))!.childCommittedTokens).toBe(1_500);
    await charge(child.id, 500, 0);
    expect(await budgets.releaseChild(parent, child.id)).toEqual({ returnedTokens: 0 });
    expect((await budgets.snapshot(parent))!.childCommittedTokens).toBe(1_500);
  });

  it("retries (adds nothing to) a child that is still running at exactly its budget", async () => {
    const parent = await createAgent(10_000);
    const child = await spawnChild(parent, 1_000);
    await charge(child.id, 999, 0);
    expect(await budgets.addBudget(child.id, 0)).toEqual({ budgetTokens: 1_000 });
    expect((await budgets.snapshot(parent))!.childCommittedTokens).toBe(1_000);
  });
});

describe("BudgetStore.addBudget (continue)", () => {
  it("simply adds to a top-level agent", async () => {
    const root = await createAgent(2_000);
    await charge(root, 2_100, 0);
    expect(await budgets.addBudget(root, 1_000)).toEqual({ budgetTokens: 3_000 });
    expect(await remaining(root)).toBe(900);
  });

  it("takes a running child's extra from its parent", async () => {
    const parent = await createAgent(10_000);
    const child = await spawnChild(parent, 2_000);
    await charge(child.id, 2_000, 0);
    expect(await budgets.addBudget(child.id, 1_000)).toEqual({ budgetTokens: 3_000 });
    expect(await budgets.snapshot(parent)).toMatchObject({
      childCommittedTokens: 3_000,
      remainingTokens: 7_000,
    });
    expect(await remaining(child.id)).toBe(1_000);
  });

  it("re-reserves a released child's new budget minus what it used, then releases cleanly again", async () => {
    const parent = await createAgent(10_000);
    const child = await spawnChild(parent, 2_000);
    await charge(child.id, 2_100, 0);
    await budgets.releaseChild(parent, child.id);
    expect((await budgets.snapshot(parent))!.childCommittedTokens).toBe(2_100);

    // Continue with +50%: the child's budget becomes 3,000; the parent commits 3,000 again.
    expect(await budgets.addBudget(child.id, 1_000)).toEqual({ budgetTokens: 3_000 });
    expect((await budgets.snapshot(parent))!.childCommittedTokens).toBe(3_000);
    expect(await remaining(child.id)).toBe(900);

    await charge(child.id, 400, 0);
    expect(await budgets.releaseChild(parent, child.id)).toEqual({ returnedTokens: 500 });
    expect(await budgets.snapshot(parent)).toMatchObject({
      childCommittedTokens: 2_500,
      remainingTokens: 7_500,
    });
  });

  it("refuses when the parent cannot cover the extra, and changes nothing", async () => {
    const parent = await createAgent(3_000);
    const child = await spawnChild(parent, 2_500);
    await charge(parent, 400, 0);
    expect(await budgets.addBudget(child.id, 1_000)).toEqual({
      refused:
        "the parent agent has only 100 tokens of budget left, and this needs 1,000; give the parent more budget first, or ask for less",
    });
    expect((await runs.requireAgent(child.id)).budgetTokens).toBe(2_500);
    expect((await budgets.snapshot(parent))!.childCommittedTokens).toBe(2_500);
  });

  it("refuses an increase that would still leave nothing to spend", async () => {
    const root = await createAgent(1_000);
    await charge(root, 1_600, 0);
    expect(await budgets.addBudget(root, 500)).toHaveProperty("refused");
    expect((await budgets.snapshot(root))!.budgetTokens).toBe(1_000);
  });
});

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

describe("concurrency", () => {
  it("loses no update under many parallel charges", async () => {
    const id = await createAgent(1_000_000);
    await Promise.all(Array.from({ length: 400 }, () => charge(id, 7, 0.5)));
    expect(await budgets.snapshot(id)).toMatchObject({ spentTokens: 2_800, costUsd: 200 });
  });

  it("never commits more than the parent has, however many spawns race", async () => {
    const parent = await createAgent(10_000);
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, index) =>
        budgets.reserveForChild(parent, `rbudget/racer-${index}`, 300, 0.25),
      ),
    );
    expect(results.filter((result) => "granted" in result)).toHaveLength(33);
    expect(await budgets.snapshot(parent)).toMatchObject({
      childCommittedTokens: 9_900,
      remainingTokens: 100,
    });
  });
});
