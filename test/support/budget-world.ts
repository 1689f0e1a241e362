// What the budget store's tests share: a real Redis with a key space of the test file's own, the
// budget and run stores on it, and agents recorded as the web and spawn code record them.
import { BudgetStore } from "../../src/store/budget-store.ts";
import { RunStore } from "../../src/store/run-store.ts";
import { agentRecorder } from "./agent-record.ts";
import { useTestRedis } from "./test-redis.ts";

/** Registers the test file's Redis hooks; every agent is recorded in `runId`. */
export function useBudgetWorld(runId = "rbudget") {
  const testRedis = useTestRedis();
  const budgets = new BudgetStore(testRedis.redis, testRedis.keys);
  const runs = new RunStore(testRedis.redis, testRedis.keys);
  return {
    testRedis,
    budgets,
    runs,
    createAgent: agentRecorder(runs, runId),
    spawnChild: childSpawner(budgets, runs, runId),
    /** Charges a model call without a reservation (settling one that was never reserved). */
    charge: (agentId: string, tokens: number, costUsd: number) =>
      budgets.settleCall(agentId, undefined, { tokens, costUsd, answered: true }),
  };
}

/**
 * Returns a function that spawns a child of `parentId` the way the spawn tool does: reserve its
 * budget on the parent, then record it with what was granted; it returns the child's id and grant.
 */
function childSpawner(budgets: BudgetStore, runs: RunStore, runId: string) {
  let counter = 0;
  return async function spawnChild(
    parentId: string,
    requested?: number,
    share = 0.25,
  ): Promise<{ id: string; granted: number }> {
    counter += 1;
    const id = `${runId}/agent-${counter}-child`;
    const reservation = await budgets.reserveForChild(parentId, id, requested, share);
    if (!("granted" in reservation)) throw new Error(reservation.refused);
    await runs.addAgent({
      id,
      runId,
      name: id.split("/")[1] ?? id,
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
  };
}
