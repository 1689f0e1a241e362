import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BudgetStore, dailyResetsAt, utcDay } from "../../src/store/budget-store.ts";
import { RecordNotFoundError, RunStore } from "../../src/store/run-store.ts";
import { createTestRedis, type TestRedis } from "../support/test-redis.ts";

let testRedis: TestRedis;
let budgets: BudgetStore;
let runs: RunStore;
let counter = 0;

beforeAll(() => {
  testRedis = createTestRedis();
  budgets = new BudgetStore(testRedis.redis, testRedis.keys);
  runs = new RunStore(testRedis.redis, testRedis.keys);
});
afterAll(() => testRedis.cleanup());

/** Records an agent the way the web and spawn code do (a full record, not bare budget fields). */
async function createAgent(budgetTokens: number, parentId?: string): Promise<string> {
  counter += 1;
  const runId = "rbudget";
  const name = `agent-${counter}`;
  const id = `${runId}/${name}`;
  await runs.addAgent({
    id,
    runId,
    name,
    depth: parentId === undefined ? 0 : 1,
    task: "task",
    branch: `agents/${runId}/${name}`,
    baseSha: "a".repeat(40),
    sessionId: "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
    budgetTokens,
    maxTurns: 10,
    createdAt: 1,
    ...(parentId === undefined ? {} : { parentId }),
  });
  return id;
}

/** A child spawned the way the spawn tool does it: reserve, then record with what was granted. */
async function spawnChild(
  parentId: string,
  requested?: number,
  share = 0.25,
): Promise<{ id: string; granted: number }> {
  counter += 1;
  const id = `rbudget/agent-${counter}-child`;
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

async function remaining(agentId: string): Promise<number> {
  return (await budgets.snapshot(agentId))!.remainingTokens;
}

describe("BudgetStore.charge", () => {
  it("adds tokens and cost, and says when nothing is left", async () => {
    const id = await createAgent(1_000);
    expect(await budgets.charge(id, 600, 0.0123)).toEqual({
      spentTokens: 600,
      budgetTokens: 1_000,
      remainingTokens: 400,
      costUsd: 0.0123,
      exhausted: false,
    });
    const second = await budgets.charge(id, 450, 0.001);
    expect(second).toMatchObject({ spentTokens: 1_050, remainingTokens: -50, exhausted: true });
    expect(second.costUsd).toBeCloseTo(0.0133, 10);
    const record = await runs.requireAgent(id);
    expect([record.spentTokens, record.costUsd]).toEqual([1_050, 0.0133]);
  });

  it("counts what children hold as not available to the parent", async () => {
    const parent = await createAgent(1_000);
    await spawnChild(parent, 700);
    expect(await budgets.charge(parent, 300, 0)).toMatchObject({ remainingTokens: 0, exhausted: true });
  });

  it("refuses to invent an agent that has no record", async () => {
    await expect(budgets.charge("rbudget/ghost", 10, 0)).rejects.toBeInstanceOf(RecordNotFoundError);
    expect(await testRedis.redis.exists(testRedis.keys.agent("rbudget/ghost"))).toBe(0);
  });

  it("rejects token counts that are not whole numbers", async () => {
    const id = await createAgent(100);
    await expect(budgets.charge(id, 1.5, 0)).rejects.toThrow(/whole number/);
    await expect(budgets.charge(id, -1, 0)).rejects.toThrow(/whole number/);
  });
});

describe("BudgetStore.reserveForChild", () => {
  it("gives the default share of what the parent has left, and commits it on the parent", async () => {
    const parent = await createAgent(10_000);
    await budgets.charge(parent, 2_000, 0);
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
    await budgets.charge(parent, 4_000, 0);
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
    await budgets.charge(child.id, 1_500, 0);
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
    await budgets.charge(child.id, 1_000, 0);
    expect(await budgets.releaseChild(root, child.id)).toEqual({ returnedTokens: 3_000 });
    expect((await budgets.snapshot(root))!.childCommittedTokens).toBe(3_000);
    await budgets.charge(grandchild.id, 500, 0);
    expect(await budgets.releaseChild(child.id, grandchild.id)).toEqual({ returnedTokens: 1_500 });
  });

  it("makes the parent carry a child's overshoot on its last call", async () => {
    const parent = await createAgent(10_000);
    const child = await spawnChild(parent, 1_000);
    await budgets.charge(child.id, 1_200, 0);
    expect(await budgets.releaseChild(parent, child.id)).toEqual({ returnedTokens: -200 });
    expect(await remaining(parent)).toBe(8_800);
  });

  it("fails loudly when either record is missing", async () => {
    const parent = await createAgent(1_000);
    await expect(budgets.releaseChild(parent, "rbudget/nobody")).rejects.toBeInstanceOf(RecordNotFoundError);
  });
});

describe("BudgetStore.addBudget (continue)", () => {
  it("simply adds to a top-level agent", async () => {
    const root = await createAgent(2_000);
    await budgets.charge(root, 2_100, 0);
    expect(await budgets.addBudget(root, 1_000)).toEqual({ budgetTokens: 3_000 });
    expect(await remaining(root)).toBe(900);
  });

  it("takes a running child's extra from its parent", async () => {
    const parent = await createAgent(10_000);
    const child = await spawnChild(parent, 2_000);
    await budgets.charge(child.id, 2_000, 0);
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
    await budgets.charge(child.id, 2_100, 0);
    await budgets.releaseChild(parent, child.id);
    expect((await budgets.snapshot(parent))!.childCommittedTokens).toBe(2_100);

    // Continue with +50%: the child's budget becomes 3,000; the parent commits 3,000 again.
    expect(await budgets.addBudget(child.id, 1_000)).toEqual({ budgetTokens: 3_000 });
    expect((await budgets.snapshot(parent))!.childCommittedTokens).toBe(3_000);
    expect(await remaining(child.id)).toBe(900);

    await budgets.charge(child.id, 400, 0);
    expect(await budgets.releaseChild(parent, child.id)).toEqual({ returnedTokens: 500 });
    expect(await budgets.snapshot(parent)).toMatchObject({
      childCommittedTokens: 2_500,
      remainingTokens: 7_500,
    });
  });

  it("refuses when the parent cannot cover the extra, and changes nothing", async () => {
    const parent = await createAgent(3_000);
    const child = await spawnChild(parent, 2_500);
    await budgets.charge(parent, 400, 0);
    expect(await budgets.addBudget(child.id, 1_000)).toEqual({
      refused:
        "the parent agent has only 100 tokens of budget left, and this needs 1,000; give the parent more budget first, or ask for less",
    });
    expect((await runs.requireAgent(child.id)).budgetTokens).toBe(2_500);
    expect((await budgets.snapshot(parent))!.childCommittedTokens).toBe(2_500);
  });

  it("refuses an increase that would still leave nothing to spend", async () => {
    const root = await createAgent(1_000);
    await budgets.charge(root, 1_600, 0);
    expect(await budgets.addBudget(root, 500)).toHaveProperty("refused");
    expect((await budgets.snapshot(root))!.budgetTokens).toBe(1_000);
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
    await Promise.all(Array.from({ length: 400 }, () => budgets.charge(id, 7, 0.5)));
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

  it("keeps a whole tree within its root's budget while agents spend, spawn and end in parallel", async () => {
    const rootBudget = 50_000;
    const root = await createAgent(rootBudget);
    const random = seededRandom(42);
    const everyone: { id: string; parentId: string | undefined }[] = [{ id: root, parentId: undefined }];

    // Each agent, like a real one, makes its model calls one after another, and only while it
    // has at least the call's cost left (what the gateway's max_tokens cap guarantees).
    async function live(agentId: string, depth: number): Promise<void> {
      const children: Promise<void>[] = [];
      for (let step = 0; step < 25; step += 1) {
        if (depth < 3 && random() < 0.2) {
          const asked = random() < 0.5 ? undefined : 1 + Math.floor(random() * 4_000);
          const childId = `${agentId}.${step}`;
          const reservation = await budgets.reserveForChild(agentId, childId, asked, 0.3);
          if ("granted" in reservation) {
            await testRedis.redis.hset(testRedis.keys.agent(childId), "parentId", agentId);
            everyone.push({ id: childId, parentId: agentId });
            children.push(
              live(childId, depth + 1).then(async () => void (await budgets.releaseChild(agentId, childId))),
            );
          }
          continue;
        }
        const cost = 50 + Math.floor(random() * 400);
        if ((await remaining(agentId)) < cost) break;
        await budgets.charge(agentId, cost, 0);
      }
      await Promise.all(children);
    }
    await live(root, 0);

    const snapshots = await Promise.all(everyone.map(({ id }) => budgets.snapshot(id)));
    const totalSpent = snapshots.reduce((sum, snapshot) => sum + snapshot!.spentTokens, 0);
    expect(everyone.length).toBeGreaterThan(5);
    expect(totalSpent).toBeGreaterThan(rootBudget / 2);
    expect(totalSpent).toBeLessThanOrEqual(rootBudget);
    // With every child released, what the root holds for children is exactly what they used.
    const rootSnapshot = (await budgets.snapshot(root))!;
    expect(rootSnapshot.spentTokens + rootSnapshot.childCommittedTokens).toBe(totalSpent);
  });
});

function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}
