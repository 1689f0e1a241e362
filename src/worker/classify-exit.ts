// Decides what a finished `claude` process means for its agent, from what the worker observed
// itself: a stop Flotilla asked for (it wins), the process's exit, and the gateway's record of the
// agent's model calls. The CLI's stream is not evidence: an agent can write lines into it (a
// forged `result` with `is_error: false`), so it only adds words to a failure's explanation.
// Success is the CLI exiting 0 after the model's last answer ended its turn (`end_turn`).
// A run whose last model call met trouble upstream is never a success, whatever the CLI printed
// or exited with: temporary trouble parks the agent, an over-long prompt restarts it smaller.
import type { AgentExit } from "../agent/agent-process.ts";
import { maxAnswerTextChars } from "../gateway/answer-summary.ts";
import type { CallEnding, ModelCallSummary } from "../gateway/model-call-record.ts";
import { isTemporary, type UpstreamTrouble } from "../gateway/upstream-trouble.ts";
import type { TerminalState } from "../store/records.ts";

/** The states an agent ends in (the store's terminal states). */
export type FinalState = TerminalState;

export type ExitMeaning =
  | { kind: "ended"; state: FinalState; resultText: string; error?: string }
  | { kind: "parked" }
  /** The model API is in trouble for a while: park and resume. `answered`: calls answered in this run. */
  | { kind: "model_wait"; trouble: UpstreamTrouble; answered: number }
  /** The conversation outgrew the model's context window. */
  | { kind: "context_overflow"; trouble: UpstreamTrouble }
  | { kind: "shutdown" };

export interface TurnCount {
  /** Model calls answered over all the agent's sessions, as the gateway settled them. */
  used: number;
  max: number;
}

export function classifyExit(
  exit: AgentExit,
  calls: ModelCallSummary | undefined,
  turns: TurnCount,
): ExitMeaning {
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
  const last = calls?.last;
  const trouble = last?.kind === "failed" ? last.trouble : undefined;
  if (trouble !== undefined) {
    return isTemporary(trouble)
      ? { kind: "model_wait", trouble, answered: calls?.answered ?? 0 }
      : { kind: "context_overflow", trouble };
  }
  const resultText = last?.kind === "answered" ? answerText(last) : "";
  const exitedCleanly = exit.exitCode === 0 && exit.signal === undefined;
  if (exitedCleanly && last?.kind === "answered" && last.stopReason === "end_turn") {
    return { kind: "ended", state: "succeeded", resultText };
  }
  return { kind: "ended", state: "failed", resultText, error: failure(exit, calls, turns) };
}

function failure(exit: AgentExit, calls: ModelCallSummary | undefined, turns: TurnCount): string {
  if (calls?.lastRefusal?.reason === "turns" || turns.used >= turns.max) {
    return `reached the turn limit (${turns.max})`;
  }
  const last = calls?.last;
  if (last?.kind === "refused") return last.message;
  if (last?.kind === "failed") {
    return `the model API answered ${last.status} ${last.errorType}${last.message === "" ? "" : `: ${last.message}`}`;
  }
  if (exit.exitCode === 0 && exit.signal === undefined) {
    if (last === undefined) return "claude exited without any answer from the model";
    if (last.kind === "cut_off") return "claude exited while the model's last answer was cut off";
    return `claude exited after the model's last answer stopped with ${last.stopReason ?? "no stop reason"}, not at the end of its turn`;
  }
  const how = exit.signal === undefined ? `exit code ${exit.exitCode}` : `signal ${exit.signal}`;
  // The CLI's own words from its stream, for the reader only: an agent could have written them.
  // Only an exit with code 1 comes with a result line of the CLI's own (a signal, or 128 + one
  // handled, never does), so for any other exit a result line is an agent's.
  const result = exit.exitCode === 1 ? exit.result : undefined;
  const said = result === undefined ? "" : result.text || result.errors.join("; ") || result.subtype;
  const stderr = exit.stderrTail.trim();
  const detail = said !== "" ? said : stderr.slice(-1_000);
  return `claude ended with ${how}${detail === "" ? "" : `: ${detail}`}`;
}

function answerText(answer: Extract<CallEnding, { kind: "answered" }>): string {
  if (!answer.textTruncated) return answer.text;
  const kept = maxAnswerTextChars.toLocaleString("en-US");
  return `${answer.text}\n\n[Flotilla kept the first ${kept} characters of this answer.]`;
}
