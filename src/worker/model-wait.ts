// When to resume an agent whose CLI ended on the model API's trouble, and the words people see
// meanwhile. A rate limit is waited out until the reset the API named; overload, server errors
// and outages are retried with backoff (10 s, doubling, at most 10 min between tries). One
// stretch of trouble may last at most MODEL_WAIT_MAX_HOURS; then the agent fails, saying why.
import type { UpstreamTrouble } from "../gateway/upstream-trouble.ts";
import type { AgentRecord } from "../store/records.ts";

const firstBackoffMs = 10_000;
const longestBackoffMs = 10 * 60_000;
/** A little after the reset, so that the first call after it is not refused again. */
const afterResetMs = 1_000;

export type ModelWaitPlan =
  | {
      resume: true;
      resumeAt: number;
      /** Since when the model has kept the agent waiting, and how many parks that took. */
      since: number;
      waits: number;
      /** `waiting for the model: rate limited until 14:05 UTC (resumes by itself)` */
      text: string;
      /** The trouble in words, for the agent's record. */
      trouble: string;
    }
  | { resume: false; reason: string };

/**
 * `answered`: calls the model answered in the run that just ended; any answer ends the previous
 * stretch of trouble, so the backoff starts over.
 */
export function planModelWait(
  trouble: UpstreamTrouble,
  agent: Pick<AgentRecord, "modelWaitSince" | "modelWaits">,
  answered: number,
  maxWaitMs: number,
  now: number,
): ModelWaitPlan {
  const fresh = answered > 0 || agent.modelWaitSince === undefined;
  const since = fresh ? now : (agent.modelWaitSince ?? now);
  const waits = fresh ? 0 : agent.modelWaits;
  const backoff = Math.min(longestBackoffMs, firstBackoffMs * 2 ** Math.min(waits, 20));
  const resumeAt =
    trouble.resetAt !== undefined && trouble.resetAt > now ? trouble.resetAt + afterResetMs : now + backoff;
  const words = troubleWords(trouble);
  if (resumeAt - since > maxWaitMs) {
    const hours = +(maxWaitMs / 3_600_000).toFixed(2);
    return {
      resume: false,
      reason: `the model API stayed unavailable (${words}) longer than Flotilla waits for it: ${hours} h (MODEL_WAIT_MAX_HOURS). The work so far is kept on the agent's branch; Retry runs it again.`,
    };
  }
  return {
    resume: true,
    resumeAt,
    since,
    waits: waits + 1,
    text: modelWaitText(trouble, resumeAt),
    trouble: words,
  };
}

/** What the check run, the tracking comment and `/agents status` say while an agent waits. */
function modelWaitText(trouble: UpstreamTrouble, resumeAt: number): string {
  const when = utcMinute(resumeAt);
  if (trouble.kind === "rate_limited")
    return `waiting for the model: rate limited until ${when} (resumes by itself)`;
  return `waiting for the model: ${troubleWords(trouble)}, next try at ${when} (resumes by itself)`;
}

/** What the account-wide brake says to agents held by it. */
export function brakeText(until: number): string {
  return `waiting for the model: rate limited until ${utcMinute(until)} (resumes by itself)`;
}

export function troubleWords(trouble: UpstreamTrouble): string {
  const said = trouble.message === "" ? "" : `: ${trouble.message}`;
  switch (trouble.kind) {
    case "rate_limited":
      return `rate limited (${trouble.status})${said}`;
    case "overloaded":
      return `overloaded (${trouble.status})${said}`;
    case "server_error":
      return `server error (${trouble.status})${said}`;
    case "unreachable":
      return `unreachable${said}`;
    case "prompt_too_long":
      return `prompt is too long${said}`;
  }
}

/** `14:05 UTC`, rounded up to the minute, so the time shown is never before the resume. */
export function utcMinute(at: number): string {
  const minute = new Date(Math.ceil(at / 60_000) * 60_000);
  const pad = (value: number) => String(value).padStart(2, "0");
  return `${pad(minute.getUTCHours())}:${pad(minute.getUTCMinutes())} UTC`;
}
