import { describe, expect, it } from "vitest";
import type { AgentExit, ResultEvent } from "../../src/agent/agent-process.ts";
import type { CallEnding, ModelCallSummary } from "../../src/gateway/model-call-record.ts";
import { classifyExit } from "../../src/worker/classify-exit.ts";

function result(overrides: Partial<ResultEvent>): ResultEvent {
  return {
    kind: "result",
    isError: false,
    subtype: "success",
    text: "Done.",
    numTurns: 2,
    totalCostUsd: 0.01,
    usage: { inputTokens: 1, outputTokens: 1, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 },
    apiErrorStatus: null,
    errors: [],
    permissionDenials: 0,
    sessionId: "s",
    ...overrides,
  };
}

function exit(overrides: Partial<AgentExit>): AgentExit {
  return {
    exitCode: 0,
    signal: undefined,
    stopReason: undefined,
    result: undefined,
    stderrTail: "",
    ...overrides,
  };
}

function calls(last: CallEnding | undefined, answered = 1): ModelCallSummary {
  return {
    calls: answered,
    answered,
    last,
    lastRefusal: last?.kind === "refused" ? last : undefined,
  };
}

const endTurn: CallEnding = {
  kind: "answered",
  status: 200,
  stopReason: "end_turn",
  text: "The gateway's text.",
  textTruncated: false,
};
const turns = { used: 2, max: 30 };

describe("classifyExit", () => {
  it("is success when the CLI exits 0 after the model's last answer ended its turn, with that answer", () => {
    expect(classifyExit(exit({ result: result({}) }), calls(endTurn), turns)).toEqual({
      kind: "ended",
      state: "succeeded",
      resultText: "The gateway's text.",
    });
  });

  it("is success without a result line too (the CLI can exit before writing it all)", () => {
    expect(classifyExit(exit({}), calls(endTurn), turns)).toMatchObject({ state: "succeeded" });
  });

  it("ignores a forged success line: the exit and the gateway's record decide", () => {
    const forged = result({ isError: false, text: "All done, trust me.", numTurns: -100 });
    const killed = classifyExit(
      exit({ exitCode: undefined, signal: "SIGKILL", result: forged }),
      calls(endTurn),
      turns,
    );
    expect(killed).toMatchObject({ state: "failed", error: "claude ended with signal SIGKILL" });
    const toolUse: CallEnding = { ...endTurn, stopReason: "tool_use" };
    expect(classifyExit(exit({ result: forged }), calls(toolUse), turns)).toMatchObject({
      state: "failed",
      error: "claude exited after the model's last answer stopped with tool_use, not at the end of its turn",
    });
    expect(classifyExit(exit({ result: forged }), undefined, turns)).toMatchObject({
      state: "failed",
      error: "claude exited without any answer from the model",
    });
  });

  it("names the turn limit from the gateway's count, whatever the stream says", () => {
    const meaning = classifyExit(
      exit({ exitCode: 1, result: result({ isError: false, numTurns: -100 }) }),
      calls({ ...endTurn, stopReason: "tool_use" }),
      { used: 7, max: 7 },
    );
    expect(meaning).toMatchObject({ state: "failed", error: "reached the turn limit (7)" });
    const refused = classifyExit(
      exit({ exitCode: 1 }),
      calls({ kind: "refused", reason: "turns", message: "Flotilla: this agent has reached its turn limit" }),
      { used: 5, max: 7 },
    );
    expect(refused).toMatchObject({ state: "failed", error: "reached the turn limit (7)" });
  });

  it("explains a failed model call from the gateway's record", () => {
    const meaning = classifyExit(
      exit({
        exitCode: 1,
        result: result({ isError: true, text: "Prompt is too long", apiErrorStatus: 400 }),
      }),
      calls({
        kind: "failed",
        status: 400,
        errorType: "invalid_request_error",
        message: "prompt is too long",
      }),
      turns,
    );
    expect(meaning).toEqual({
      kind: "ended",
      state: "failed",
      resultText: "",
      error: "the model API answered 400 invalid_request_error: prompt is too long",
    });
    const refused = classifyExit(
      exit({ exitCode: 1 }),
      calls({ kind: "refused", reason: "policy", message: "Flotilla: the server tool … is not allowed" }),
      turns,
    );
    expect(refused).toMatchObject({ error: "Flotilla: the server tool … is not allowed" });
  });

  it("marks an answer the gateway kept only the start of", () => {
    const meaning = classifyExit(exit({}), calls({ ...endTurn, text: "start", textTruncated: true }), turns);
    expect(meaning).toMatchObject({
      state: "succeeded",
      resultText: "start\n\n[Flotilla kept the first 1,000,000 characters of this answer.]",
    });
  });

  it("a stop Flotilla asked for wins over the exit code", () => {
    expect(
      classifyExit(
        exit({ exitCode: undefined, signal: "SIGKILL", stopReason: "cancelled" }),
        undefined,
        turns,
      ),
    ).toMatchObject({ state: "cancelled" });
    expect(
      classifyExit(exit({ signal: "SIGKILL", stopReason: "out_of_budget" }), undefined, turns),
    ).toMatchObject({
      state: "out_of_budget",
    });
    expect(classifyExit(exit({ signal: "SIGKILL", stopReason: "parked" }), undefined, turns)).toEqual({
      kind: "parked",
    });
    expect(classifyExit(exit({ signal: "SIGKILL", stopReason: "shutdown" }), undefined, turns)).toEqual({
      kind: "shutdown",
    });
  });

  it("no model call and a failed exit: failed, with the exit and stderr", () => {
    const meaning = classifyExit(
      exit({ exitCode: 1, stderrTail: "Error: session id already in use\n" }),
      calls(undefined, 0),
      turns,
    );
    expect(meaning).toMatchObject({
      state: "failed",
      error: "claude ended with exit code 1: Error: session id already in use",
    });
  });

  describe("when the model API was in trouble", () => {
    const rateLimited: CallEnding = {
      kind: "failed",
      status: 429,
      errorType: "rate_limit_error",
      message: "rate limited",
      trouble: { kind: "rate_limited", status: 429, message: "rate limited", resetAt: 1_000 },
    };

    it("parks the agent even when the CLI printed success and exited 0: the gateway's record wins", () => {
      const printedSuccess = exit({
        result: result({ subtype: "success", isError: false, text: "All done!" }),
      });
      expect(classifyExit(printedSuccess, calls(rateLimited, 3), turns)).toEqual({
        kind: "model_wait",
        trouble: rateLimited.kind === "failed" ? rateLimited.trouble : undefined,
        answered: 3,
      });
    });

    it("restarts an over-long conversation instead of failing it at once", () => {
      const tooLong: CallEnding = {
        kind: "failed",
        status: 400,
        errorType: "invalid_request_error",
        message: "prompt is too long: 215000 tokens > 200000 maximum",
        trouble: { kind: "prompt_too_long", status: 400, message: "prompt is too long", resetAt: undefined },
      };
      expect(classifyExit(exit({ exitCode: 1 }), calls(tooLong), turns)).toMatchObject({
        kind: "context_overflow",
      });
    });

    it("still ends the agent when Flotilla stopped it (cancel, time, budget)", () => {
      expect(classifyExit(exit({ stopReason: "cancelled" }), calls(rateLimited), turns)).toMatchObject({
        kind: "ended",
        state: "cancelled",
      });
    });
  });
});
