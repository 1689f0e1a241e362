// What the agent page's live tail shows for each stream event: one short line. Usage and other
// bookkeeping lines are left out; texts are capped, so a huge tool result or answer never goes
// whole into Redis (the transcript file has everything).
import type { AgentStreamEvent } from "../agent/stream-events.ts";
import type { LiveEvent } from "../store/agent-event-log.ts";
import { oneLine } from "../text/one-line.ts";

export const liveTextChars = 600;

export function liveEventOf(event: AgentStreamEvent, at: number = Date.now()): LiveEvent | undefined {
  const inSubagent = "parentToolUseId" in event && event.parentToolUseId !== null ? "(sub-agent) " : "";
  switch (event.kind) {
    case "init":
      return { kind: "session", text: `session started · model ${event.model}`, at };
    case "assistant_text":
      return { kind: "text", text: `${inSubagent}${cap(event.text)}`, at };
    case "tool_call":
      return { kind: "tool", text: `${inSubagent}${event.name}: ${cap(event.inputSummary)}`, at };
    case "tool_result":
      return {
        kind: event.isError ? "result_error" : "result_ok",
        text: `${inSubagent}${event.isError ? "error: " : "→ "}${cap(event.preview)}`,
        at,
      };
    case "api_retry":
      return {
        kind: "retry",
        text: `model API busy (${event.errorStatus ?? event.error}): retry ${event.attempt} of ${event.maxRetries} in ${Math.round(event.retryDelayMs / 1000)} s`,
        at,
      };
    case "subagent":
      return { kind: "subagent", text: `built-in sub-agent ${event.phase}: ${cap(event.description)}`, at };
    case "result":
      return {
        kind: "end",
        text: `${event.isError ? "ended with an error" : "finished"} after ${event.numTurns} turns${
          event.text === "" ? "" : `: ${cap(event.text)}`
        }`,
        at,
      };
    default:
      return undefined;
  }
}

function cap(text: string): string {
  return oneLine(text, liveTextChars);
}
