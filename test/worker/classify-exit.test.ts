import { describe, expect, it } from "vitest";
import type { AgentExit, ResultEvent } from "../../src/agent/agent-process.ts";
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
  } as ResultEvent;
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

describe("classifyExit", () => {
  it("reads is_error, not the subtype: a 400 'prompt is too long' is a failure", () => {
    const meaning = classifyExit(
      exit({
        exitCode: 1,
        result: result({
          isError: true,
          subtype: "success",
          text: "Prompt is too long",
          apiErrorStatus: 400,
        }),
      }),
      30,
    );
    expect(meaning).toEqual({
      kind: "ended",
      state: "failed",
      resultText: "Prompt is too long",
      error: "Prompt is too long (model API status 400)",
    });
  });

  it("a clean result is success with the answer", () => {
    expect(classifyExit(exit({ result: result({}) }), 30)).toEqual({
      kind: "ended",
      state: "succeeded",
      resultText: "Done.",
    });
  });

  it("names the turn limit", () => {
    const meaning = classifyExit(
      exit({ exitCode: 1, result: result({ isError: true, subtype: "error_max_turns", text: "" }) }),
      7,
    );
    expect(meaning).toMatchObject({ state: "failed", error: "reached the turn limit (7)" });
  });

  it("a stop Flotilla asked for wins over the exit code", () => {
    expect(
      classifyExit(exit({ exitCode: undefined, signal: "SIGKILL", stopReason: "cancelled" }), 30),
    ).toMatchObject({
      state: "cancelled",
    });
    expect(classifyExit(exit({ signal: "SIGKILL", stopReason: "out_of_budget" }), 30)).toMatchObject({
      state: "out_of_budget",
    });
    expect(classifyExit(exit({ signal: "SIGKILL", stopReason: "parked" }), 30)).toEqual({ kind: "parked" });
    expect(classifyExit(exit({ signal: "SIGKILL", stopReason: "shutdown" }), 30)).toEqual({
      kind: "shutdown",
    });
  });

  it("no result line: failed, with the exit and stderr", () => {
    const meaning = classifyExit(exit({ exitCode: 1, stderrTail: "Error: session id already in use\n" }), 30);
    expect(meaning).toMatchObject({ state: "failed" });
    expect(meaning.kind === "ended" && meaning.error).toContain("session id already in use");
    expect(meaning.kind === "ended" && meaning.error).toContain("exit code 1");
  });
});
