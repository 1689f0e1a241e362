// Decides what a finished `claude` process means for its agent. A run is over when the process
// has exited; whether it succeeded is in its last `result` line (read `is_error`, not the
// subtype), and a stop Flotilla asked for takes precedence over both.
import type { AgentExit } from "../agent/agent-process.ts";

export type FinalState = "succeeded" | "failed" | "cancelled" | "out_of_budget" | "timed_out";

export type ExitMeaning =
  | { kind: "ended"; state: FinalState; resultText: string; error?: string }
  | { kind: "parked" }
  | { kind: "shutdown" };

export function classifyExit(exit: AgentExit, maxTurns: number): ExitMeaning {
  switch (exit.stopReason) {
    case "parked":
      return { kind: "parked" };
    case "shutdown":
      return { kind: "shutdown" };
    case "cancelled":
      return { kind: "ended", state: "cancelled", resultText: "", error: "cancelled on request" };
    case "timed_out":
      return { kind: "ended", state: "timed_out", resultText: "", error: "the agent reached its time limit" };
    case "out_of_budget":
      return {
        kind: "ended",
        state: "out_of_budget",
        resultText: "",
        error: "the agent spent its token budget",
      };
    case undefined:
      break;
  }
  const result = exit.result;
  if (result === undefined) {
    const how = exit.signal === undefined ? `exit code ${exit.exitCode}` : `signal ${exit.signal}`;
    const stderr = exit.stderrTail.trim();
    return {
      kind: "ended",
      state: "failed",
      resultText: "",
      error: `claude ended without a result (${how})${stderr === "" ? "" : `: ${stderr.slice(-1_000)}`}`,
    };
  }
  if (!result.isError) return { kind: "ended", state: "succeeded", resultText: result.text };
  if (result.subtype === "error_max_turns") {
    return {
      kind: "ended",
      state: "failed",
      resultText: result.text,
      error: `reached the turn limit (${maxTurns})`,
    };
  }
  const reason = result.text || result.errors.join("; ") || result.subtype;
  const status = result.apiErrorStatus === null ? "" : ` (model API status ${result.apiErrorStatus})`;
  return { kind: "ended", state: "failed", resultText: result.text, error: `${reason}${status}` };
}
