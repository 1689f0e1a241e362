// The budget store against a real Redis, one case at a time: what its Lua scripts for charging,
// reserving and releasing a child and continuing (addBudget) return and leave behind (model
// calls and daily counts: budget-model-calls.test.ts). The edges get their own cases (a child that spent
// exactly its budget, one that overshot, a parent with nothing left) because that is where Lua's
// numbers went wrong before, and racing calls must lose nothing and overspend nothing. Whether the
// scripts add up over a whole tree of agents is in budget-tree-simulation.test.ts.
import { describe, expect, it } from "vitest";
import { RecordNotFoundError } from "../../src/store/run-store.ts";
import { useBudgetWorld } from "../support/budget-world.ts";

const { testRedis, budgets, runs, createAgent, spawnChild, charge } = useBudgetWorld();

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
