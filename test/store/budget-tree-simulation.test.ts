// A whole tree of agents spending one root's budget against a real Redis: agents make model calls
// (reserve, then settle), spawn children and end, and the tree as a whole never spends more than
// the root was given. The single-script edge cases are in budget-store.test.ts; this proves that
// the scripts still add up when many agents at several depths interleave. One run uses a fixed
// interleaving so a failure reproduces; a seeded property runs agents in parallel.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { useBudgetWorld } from "../support/budget-world.ts";

const { testRedis, budgets, createAgent } = useBudgetWorld();

describe("concurrency", () => {
  it("keeps a whole tree within its root's budget in a fixed interleaving of spends, spawns and ends", async () => {
    // Every agent takes one step per round, in a fixed order, with its own draws: the same
    // sequence of Redis calls on every run, so a failure here reproduces.
    const outcome = await simulateTree({
      rootBudget: 50_000,
      seed: 42,
      schedule: "rounds",
      rootName: "fixed-interleaving-root",
    });
    expect(outcome.agents).toBeGreaterThan(5);
    expect(outcome.childrenReleasedAtExactBudget).toBeGreaterThan(0);
    expect(outcome.totalSpent).toBeGreaterThan(50_000 / 2);
    expect(outcome.totalSpent).toBeLessThanOrEqual(50_000);
    // With every child released, what the root holds for children is exactly what they used.
    expect(outcome.rootSpent + outcome.rootChildCommitted).toBe(outcome.totalSpent);
  });

  it("keeps any tree within its root's budget when agents run in parallel (property; a failure prints its seed)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.integer({ min: 2_000, max: 80_000 }),
        async (seed, rootBudget) => {
          const outcome = await simulateTree({ rootBudget, seed, schedule: "parallel" });
          expect(outcome.totalSpent).toBeLessThanOrEqual(rootBudget);
          expect(outcome.rootSpent + outcome.rootChildCommitted).toBe(outcome.totalSpent);
        },
      ),
      { numRuns: 15 },
    );
  });
});

interface TreeOutcome {
  agents: number;
  totalSpent: number;
  rootSpent: number;
  rootChildCommitted: number;
  /** Children that had spent exactly their budget when released (the unused = 0 edge). */
  childrenReleasedAtExactBudget: number;
}

/**
 * A tree of agents that spend, spawn and end. Each agent draws from its own generator (seeded by
 * the seed and its id), so what it decides never depends on how the agents interleave. Its model
 * calls go through reserveCall and settleCall, as the gateway's do.
 * `rounds` runs one step of every live agent per round, in order; `parallel` runs them at once.
 */
async function simulateTree(options: {
  rootBudget: number;
  seed: number;
  schedule: "rounds" | "parallel";
  /** A fixed root id makes every draw, and so the whole run, independent of the other tests. */
  rootName?: string;
}): Promise<TreeOutcome> {
  const root = await createAgent(options.rootBudget, undefined, 1_000, options.rootName);
  const everyone: string[] = [root];
  let exactReleases = 0;

  async function* steps(agentId: string, depth: number): AsyncGenerator<void, void> {
    const random = seededRandom(((options.seed ^ hashOf(agentId)) >>> 0) % 2_147_483_648);
    const children: { id: string; steps: AsyncGenerator<void, void> }[] = [];
    for (let step = 0; step < 25; step += 1) {
      yield;
      if (depth < 3 && random() < 0.2) {
        const asked = random() < 0.5 ? undefined : 1 + Math.floor(random() * 4_000);
        const childId = `${agentId}.${step}`;
        const reservation = await budgets.reserveForChild(agentId, childId, asked, 0.3);
        if ("granted" in reservation) {
          await testRedis.redis.hset(testRedis.keys.agent(childId), "parentId", agentId);
          everyone.push(childId);
          children.push({ id: childId, steps: steps(childId, depth + 1) });
        }
        continue;
      }
      // A model call as the gateway makes it: reserve its worst case, then settle to its cost,
      // which is its whole reservation half of the time (so children end at exactly their budget).
      const inputTokens = 25 + Math.floor(random() * 200);
      const wantedAnswerTokens = 25 + Math.floor(random() * 200);
      const reservationId = `${agentId}#${step}`;
      const reservation = await budgets.reserveCall(agentId, {
        reservationId,
        inputTokens,
        wantedAnswerTokens,
        minimumAnswerTokens: 1,
      });
      const share = random();
      if (!reservation.granted) break;
      const tokens =
        share < 0.5 ? reservation.reservedTokens : inputTokens + Math.floor(share * reservation.answerTokens);
      await budgets.settleCall(agentId, reservationId, { tokens, costUsd: 0, answered: true });
    }
    // A parent ends only after its children: run them to their end, then release each.
    await runAll(children.map((child) => child.steps));
    for (const child of children) {
      const before = (await budgets.snapshot(child.id))!;
      if (before.remainingTokens === 0) exactReleases += 1;
      await budgets.releaseChild(agentId, child.id);
    }
  }

  async function runAll(agents: AsyncGenerator<void, void>[]): Promise<void> {
    if (options.schedule === "parallel") {
      await Promise.all(
        agents.map(async (agent) => {
          for await (const _ of agent);
        }),
      );
      return;
    }
    let live = agents;
    while (live.length > 0) {
      const next: AsyncGenerator<void, void>[] = [];
      for (const agent of live) if (!(await agent.next()).done) next.push(agent);
      live = next;
    }
  }

  await runAll([steps(root, 0)]);
  const snapshots = await Promise.all(everyone.map((id) => budgets.snapshot(id)));
  const rootSnapshot = (await budgets.snapshot(root))!;
  return {
    agents: everyone.length,
    totalSpent: snapshots.reduce((sum, snapshot) => sum + snapshot!.spentTokens, 0),
    rootSpent: rootSnapshot.spentTokens,
    rootChildCommitted: rootSnapshot.childCommittedTokens,
    childrenReleasedAtExactBudget: exactReleases,
  };
}

function hashOf(text: string): number {
  let hash = 2_166_136_261;
  for (let index = 0; index < text.length; index += 1) {
    hash = Math.imul(hash ^ text.charCodeAt(index), 16_777_619) >>> 0;
  }
  return hash;
}

function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}
