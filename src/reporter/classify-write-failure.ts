// What a failed GitHub write means for the reporter, from the error Octokit threw: GitHub asks
// us to slow down (secondary or primary rate limit: pause the installation), GitHub or the
// network failed for now (retry this target with backoff), or GitHub refused this content for
// good (drop this version; a later change writes again).

export type WriteFailure =
  | { kind: "rate-limited"; retryAfterMs: number; limit: "secondary" | "primary" }
  | { kind: "transient"; status: number | undefined }
  | { kind: "refused"; status: number };

/** When GitHub gives no `retry-after` for a secondary limit, its docs say to wait a minute. */
const defaultSecondaryWaitMs = 60_000;

interface HttpErrorLike {
  status?: unknown;
  message?: unknown;
  response?: { headers?: Record<string, string | number | undefined> };
}

export function classifyWriteFailure(error: unknown, nowMs: number = Date.now()): WriteFailure {
  const details = (typeof error === "object" && error !== null ? error : {}) as HttpErrorLike;
  const status = typeof details.status === "number" ? details.status : undefined;
  const message = typeof details.message === "string" ? details.message : "";
  const headers = details.response?.headers ?? {};
  const retryAfterSeconds = Number(headers["retry-after"]);
  const retryAfterMs =
    Number.isFinite(retryAfterSeconds) && retryAfterSeconds >= 0 ? retryAfterSeconds * 1000 : undefined;

  if (status === 429 || (status === 403 && /secondary rate limit|abuse detection/i.test(message))) {
    return { kind: "rate-limited", limit: "secondary", retryAfterMs: retryAfterMs ?? defaultSecondaryWaitMs };
  }
  if (status === 403 && String(headers["x-ratelimit-remaining"]) === "0") {
    const resetSeconds = Number(headers["x-ratelimit-reset"]);
    const untilReset = Number.isFinite(resetSeconds) ? resetSeconds * 1000 - nowMs : defaultSecondaryWaitMs;
    return {
      kind: "rate-limited",
      limit: "primary",
      retryAfterMs: Math.max(1_000, retryAfterMs ?? untilReset),
    };
  }
  if (status === 403 && retryAfterMs !== undefined) {
    return { kind: "rate-limited", limit: "secondary", retryAfterMs };
  }
  if (status === undefined || status >= 500 || status === 408) return { kind: "transient", status };
  return { kind: "refused", status };
}
