// Builds a complete AgentRecord for tests the way Redis would give it back (through the same
// schema), so that new record fields with defaults do not break every test that needs one.
import { type AgentRecord, agentRecordSchema } from "../../src/store/records.ts";

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
