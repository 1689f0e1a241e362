// What the gateway saw of one agent's model calls during one run of its CLI: how many there were,
// how each ended (answered and why it stopped, failed upstream, cut off, or refused by the
// gateway), and the final text of the last answer. The worker decides how an agent ended from
// this record and the process's exit, never from the CLI's stream: an agent can write lines into
// its own stream (a Bash step writing to the CLI's stdout), but not into this record.
import { prefixWithin } from "../text/truncate.ts";
import type { UpstreamTrouble } from "./upstream-trouble.ts";

/** Longest error message kept per call. */
const maxErrorMessageChars = 2_000;

export type RefusalReason = "budget" | "turns" | "policy" | "invalid";

export type CallEnding =
  /** The model answered (a 2xx with a message); `stopReason` is the API's, when it said. */
  | {
      kind: "answered";
      status: number;
      stopReason: string | undefined;
      text: string;
      textTruncated: boolean;
    }
  /** Upstream answered with an error status, or broke the stream off with an error event. */
  | {
      kind: "failed";
      status: number;
      errorType: string;
      message: string;
      /** What the failure says about the model API (rate limit, overload, outage, prompt too long). */
      trouble?: UpstreamTrouble | undefined;
    }
  /** The answer stopped before its end: the agent went away, or upstream did. */
  | { kind: "cut_off"; status: number }
  /** The gateway did not forward the call. */
  | { kind: "refused"; reason: RefusalReason; message: string };

export interface ModelCallSummary {
  /** Calls that reached the gateway with the agent's token, refused ones included. */
  calls: number;
  /** Calls the model answered. */
  answered: number;
  /** How the call that ended last ended. */
  last: CallEnding | undefined;
  /** Why the gateway refused a call, if it refused any (the latest). */
  lastRefusal: Extract<CallEnding, { kind: "refused" }> | undefined;
}

export class ModelCallRecord {
  private calls = 0;
  private answered = 0;
  private last: CallEnding | undefined;
  private lastRefusal: Extract<CallEnding, { kind: "refused" }> | undefined;

  record(ending: CallEnding): void {
    this.calls += 1;
    if (ending.kind === "answered") this.answered += 1;
    const kept =
      ending.kind === "failed" || ending.kind === "refused"
        ? { ...ending, message: prefixWithin(ending.message, maxErrorMessageChars) }
        : ending;
    if (kept.kind === "refused") this.lastRefusal = kept;
    this.last = kept;
  }

  get summary(): ModelCallSummary {
    return { calls: this.calls, answered: this.answered, last: this.last, lastRefusal: this.lastRefusal };
  }
}
