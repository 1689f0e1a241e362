// What kind of trouble the model API is in, judged from one answer the gateway passed through:
// a rate limit (429, with the time it resets), overload (529 or an `overloaded_error`), a server
// error (5xx), no answer at all (connection refused, reset, timed out), or a prompt longer than
// the model's context window (400 "prompt is too long"). The worker parks an agent on the first
// four and resumes it later; the last one needs a smaller conversation, not time.
import type { IncomingHttpHeaders } from "node:http";
import { prefixWithin } from "../text/truncate.ts";

const upstreamTroubleKinds = [
  "rate_limited",
  "overloaded",
  "server_error",
  "unreachable",
  "prompt_too_long",
] as const;
export type UpstreamTroubleKind = (typeof upstreamTroubleKinds)[number];

export interface UpstreamTrouble {
  kind: UpstreamTroubleKind;
  status: number;
  /** The API's own words (bounded), or the connection error. */
  message: string;
  /** When the upstream said it may be asked again (ms since the epoch), if it said. */
  resetAt: number | undefined;
}

/** Rate-limit reset headers of an API key's limits (RFC 3339 times). */
const limitNames = ["requests", "tokens", "input-tokens", "output-tokens"] as const;
const maxMessageChars = 500;

/** Whether waiting helps: everything but an over-long prompt. */
export function isTemporary(trouble: UpstreamTrouble): boolean {
  return trouble.kind !== "prompt_too_long";
}

/**
 * Classifies an upstream answer with status `status`; undefined when it is no trouble (a 2xx
 * without an error event, or a 4xx that is the request's own fault).
 */
export function classifyUpstreamAnswer(
  status: number,
  headers: IncomingHttpHeaders,
  error: { type: string; message: string } | undefined,
  now: number,
): UpstreamTrouble | undefined {
  const message = prefixWithin(error?.message ?? "", maxMessageChars);
  const trouble = (kind: UpstreamTroubleKind, resetAt?: number): UpstreamTrouble => ({
    kind,
    status,
    message,
    resetAt,
  });
  if (status === 429 || error?.type === "rate_limit_error")
    return trouble("rate_limited", resetTime(headers, now));
  if (status === 529 || error?.type === "overloaded_error")
    return trouble("overloaded", retryAfter(headers, now));
  if (status >= 500) return trouble("server_error", retryAfter(headers, now));
  if (status === 400 && /prompt is too long/i.test(error?.message ?? "")) return trouble("prompt_too_long");
  // An error event after a 2xx start (the stream broke off on the API's side).
  if (status >= 200 && status < 300 && error !== undefined) return trouble("server_error");
  return undefined;
}

/** The model API could not be reached (no status at all). */
export function unreachableTrouble(error: unknown): UpstreamTrouble {
  return {
    kind: "unreachable",
    status: 502,
    message: prefixWithin(String(error), maxMessageChars),
    resetAt: undefined,
  };
}

/**
 * When a rate limit resets: `retry-after` when given, else the subscription's unified reset
 * (epoch seconds), else the latest reset of the API key's limits that are used up (remaining 0),
 * else the earliest reset any of them names.
 */
export function resetTime(headers: IncomingHttpHeaders, now: number): number | undefined {
  const after = retryAfter(headers, now);
  if (after !== undefined) return after;
  const unified = Number(header(headers, "anthropic-ratelimit-unified-reset"));
  if (
    header(headers, "anthropic-ratelimit-unified-reset") !== undefined &&
    Number.isFinite(unified) &&
    unified > 0
  )
    return unified * 1000;
  const exhausted: number[] = [];
  const others: number[] = [];
  for (const name of limitNames) {
    const reset = Date.parse(header(headers, `anthropic-ratelimit-${name}-reset`) ?? "");
    if (Number.isNaN(reset)) continue;
    (header(headers, `anthropic-ratelimit-${name}-remaining`) === "0" ? exhausted : others).push(reset);
  }
  if (exhausted.length > 0) return Math.max(...exhausted);
  return others.length > 0 ? Math.min(...others) : undefined;
}

/** `retry-after` in seconds or as an HTTP date. */
function retryAfter(headers: IncomingHttpHeaders, now: number): number | undefined {
  const value = header(headers, "retry-after");
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (value.trim() !== "" && Number.isFinite(seconds) && seconds >= 0) return now + seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : date;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
