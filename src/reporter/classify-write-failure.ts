// What a failed GitHub write means for the reporter, from the error Octokit threw: GitHub asks
// us to slow down (secondary or primary rate limit: pause the installation), GitHub or the
// network failed for now (retry this target with backoff), or GitHub refused this content for
// good (drop this version; a later change writes again).
import { z } from "zod";

export type WriteFailure =
  | { kind: "rate-limited"; retryAfterMs: number; limit: "secondary" | "primary" }
  | { kind: "transient"; status: number | undefined }
  | { kind: "refused"; status: number };

/** When GitHub gives no `retry-after` for a secondary limit, its docs say to wait a minute. */
const defaultSecondaryWaitMs = 60_000;

/** The fields of an Octokit RequestError the classification reads; anything else reads as absent. */
const httpErrorFields = z
  .object({
    status: z.number().optional().catch(undefined),
    message: z.string().catch(""),
    response: z.object({ headers: z.record(z.string(), z.unknown()).catch({}) }).catch({ headers: {} }),
  })
  .catch({ status: undefined, message: "", response: { headers: {} } });

export function classifyWriteFailure(error: unknown, nowMs: number = Date.now()): WriteFailure {
  const {
    status,
    message,
    response: { headers },
  } = httpErrorFields.parse(error);
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
