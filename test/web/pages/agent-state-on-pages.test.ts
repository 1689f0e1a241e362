// The agent pages use the same words for a state as the check run and the tracking comment: an
// agent parked for the model API is paused, not waiting for sub-agents.
import { describe, expect, it } from "vitest";
import { agentSnapshot } from "../../../src/web/pages/agent-snapshot.ts";
import { makeAgentRecord } from "../../support/agent-record.ts";

describe("an agent's state on its page", () => {
  it("says paused for an agent waiting for the model, and waiting for sub-agents for a parent", () => {
    const parked = makeAgentRecord({ name: "parked", state: "waiting", waitKind: "model" });
    const parent = makeAgentRecord({ name: "parent", state: "waiting", waitKind: "asked" });
    const snapshot = agentSnapshot(parked, [parked, parent]);
    expect(snapshot.fields.state).toBe("⏸️ paused");
    expect(snapshot.tree.map((entry) => entry.state)).toEqual(["⏸️ paused", "⏸️ waiting for sub-agents"]);
  });
});
