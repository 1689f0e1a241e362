// The crash tests' judge of invariant 4: the model reads an agent's first prompt in one
// conversation. It must tell a resumed session (one conversation) from a start-over after the
// model had read the prompt (two), or those tests would pass what they exist to catch.
import { describe, expect, it } from "vitest";
import {
  restartWithoutSessionMessage,
  resumeAfterInterruptionMessage,
} from "../../src/agent/agent-prompt.ts";
import { conversationsBegun } from "./agent-scripts.ts";
import type { RecordedRequest } from "./scripted-model.ts";

const prompt = 'You are "east", a coding agent run by Flotilla. [[script:leaf]] a part';

/** A request the model received with these messages (user and assistant alternating as given). */
function request(...messages: [role: "user" | "assistant", text: string][]): RecordedRequest {
  return {
    path: "/v1/messages",
    bytes: 0,
    apiKey: "flt_test",
    receivedAt: 0,
    authorization: undefined,
    sessionId: "f0e1d2c3-0000-4000-8000-000000000001",
    betas: [],
    scriptName: "leaf",
    body: { messages: messages.map(([role, text]) => ({ role, content: [{ type: "text", text }] })) },
  };
}

describe("conversationsBegun", () => {
  it("counts one conversation for a session resumed after the model read its prompt", () => {
    expect(
      conversationsBegun([
        request(["user", prompt]),
        request(["user", prompt], ["user", resumeAfterInterruptionMessage]),
        request(["user", prompt], ["user", resumeAfterInterruptionMessage], ["assistant", "working"]),
      ]),
    ).toBe(1);
  });

  it("counts one for an agent started over before any request of it reached the model", () => {
    expect(conversationsBegun([request(["user", `${prompt}\n\n${restartWithoutSessionMessage}`])])).toBe(1);
  });

  it("counts two when the agent was started over after the model had read its prompt", () => {
    expect(
      conversationsBegun([
        request(["user", prompt]),
        request(["user", `${prompt}\n\n${restartWithoutSessionMessage}`]),
      ]),
    ).toBe(2);
  });

  it("counts none when the model never heard from the agent", () => {
    expect(conversationsBegun([])).toBe(0);
  });
});
