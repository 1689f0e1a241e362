// Builds a complete AgentRecord for tests the way Redis would give it back (through the same
// schema), so that new record fields with defaults do not break every test that needs one.
import { type AgentRecord, agentRecordSchema } from "../../src/store/records.ts";
import type { NewAgent, NewRun, RunStore } from "../../src/store/run-store.ts";

export function makeAgentRecord(overrides: Partial<AgentRecord> & { name: string }): AgentRecord {
  const runId = overrides.runId ?? "r1";
  const base = agentRecordSchema.parse({
    id: `${runId}/${overrides.name}`,
    runId,
    name: overrides.name,
    depth: "0",
    task: `task ${overrides.name}`,
    state: "queued",
    branch: `agents/${runId}/${overrides.name}`,
    baseSha: "a".repeat(40),
    sessionId: "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
    budgetTokens: "1000",
    maxTurns: "30",
    createdAt: "1",
  });
  return { ...base, ...overrides };
}

/** A run as the web handler records it, for tests that need one in Redis. */
export function makeNewRun(overrides: Partial<NewRun> & { id: string }): NewRun & { stack: boolean } {
  return {
    deliveryId: `delivery-${overrides.id}`,
    installationId: 42,
    owner: "octo",
    repo: "demo",
    cloneUrl: "/tmp/demo.git",
    issueNumber: 7,
    isPullRequest: true,
    commentId: 99,
    commentUrl: "https://github.com/octo/demo/pull/7#issuecomment-99",
    commenter: "alice",
    headSha: "a".repeat(40),
    baseBranch: "feature",
    stack: false,
    createdAt: 1,
    limits: {
      maxDepth: 3,
      maxChildrenPerAgent: 8,
      maxAgentsPerRun: 50,
      maxTurns: 30,
      timeoutMs: 60_000,
      allowedTools: ["Read", "Write"],
      defaultChildBudgetShare: 0.25,
    },
    ...overrides,
  };
}

/** An agent as the web handler or spawn_agent records it: a root, or a child of `parentId`. */
export function makeNewAgent(runId: string, name: string, parentId?: string): NewAgent {
  return {
    id: `${runId}/${name}`,
    runId,
    name,
    depth: parentId === undefined ? 0 : 1,
    task: `task ${name}`,
    branch: `agents/${runId}/${name}`,
    baseSha: "a".repeat(40),
    sessionId: crypto.randomUUID(),
    budgetTokens: 1_000,
    maxTurns: 10,
    createdAt: 1,
    ...(parentId === undefined ? {} : { parentId }),
  };
}

/**
 * Returns a function that records an agent in `runId` with the given budget and turn limit, and
 * returns its id. It writes the full record, as the web and spawn code do, because the budget
 * scripts refuse an agent that has no record. Each agent gets a new name, so that tests sharing
 * one Redis prefix never touch each other's agents; pass `fixedName` when the id itself must not
 * change between runs (a seeded simulation draws from it).
 */
export function agentRecorder(runs: RunStore, runId: string) {
  let counter = 0;
  return async function createAgent(
    budgetTokens: number,
    parentId?: string,
    maxTurns = 1_000,
    fixedName?: string,
  ): Promise<string> {
    counter += 1;
    const agent = makeNewAgent(runId, fixedName ?? `agent-${counter}`, parentId);
    await runs.addAgent({ ...agent, budgetTokens, maxTurns });
    return agent.id;
  };
}
