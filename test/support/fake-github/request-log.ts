// Every request the fake answered, and the write rate GitHub's secondary limits are about
// (about 80 content-creating requests a minute per installation).
export interface RequestLogEntry {
  method: string;
  /** The API path without `/api/v3` and without the query, e.g. `/repos/o/r/check-runs`. */
  path: string;
  /** The raw query string without `?` (empty when none). */
  query: string;
  /** Epoch milliseconds when the request arrived. */
  time: number;
  status: number;
  auth: "app-jwt" | "installation-token" | "none" | "invalid";
  installationId: number | undefined;
  installationToken: string | undefined;
  /**
   * Handled by a route, failed on purpose by `failNext`, refused for its credentials, refused
   * by GitHub's OpenAPI description (422), no route for it (404), or the fake itself threw (500).
   */
  outcome: "handled" | "injected-fault" | "unauthorized" | "invalid" | "unhandled" | "fake-error";
}

/** A request the real GitHub would have refused or ignored: a bug in whoever sent it. */
export interface Violation {
  method: string;
  path: string;
  /** The rule it broke, in GitHub's words where GitHub has words for it. */
  rule: string;
  /** The request body, as sent. */
  body: unknown;
  time: number;
}

export function describeViolations(violations: readonly Violation[]): string {
  return violations
    .map((violation) => `- ${violation.method} ${violation.path}: ${violation.rule.replaceAll("\n", " ")}`)
    .join("\n");
}

export interface WriteRate {
  /** The most writes within any 60 seconds. */
  maxInRollingMinute: number;
  /** Writes per wall-clock minute (`2026-01-01T10:07`), in time order. */
  byCalendarMinute: { minute: string; count: number }[];
}

const writeMethods = new Set(["POST", "PATCH", "PUT", "DELETE"]);

/**
 * Counts content writes (POST/PATCH/PUT/DELETE made with an installation token; minting a
 * token with the app JWT is not one), optionally for one installation.
 */
export function contentWriteRate(log: readonly RequestLogEntry[], installationId?: number): WriteRate {
  const times = log
    .filter((entry) => writeMethods.has(entry.method) && entry.auth === "installation-token")
    .filter((entry) => installationId === undefined || entry.installationId === installationId)
    .map((entry) => entry.time)
    .sort((a, b) => a - b);
  let maxInRollingMinute = 0;
  let windowStart = 0;
  for (let end = 0; end < times.length; end += 1) {
    while ((times[end] ?? 0) - (times[windowStart] ?? 0) >= 60_000) windowStart += 1;
    maxInRollingMinute = Math.max(maxInRollingMinute, end - windowStart + 1);
  }
  const byMinute = new Map<string, number>();
  for (const time of times) {
    const minute = new Date(time).toISOString().slice(0, 16);
    byMinute.set(minute, (byMinute.get(minute) ?? 0) + 1);
  }
  return {
    maxInRollingMinute,
    byCalendarMinute: [...byMinute].map(([minute, count]) => ({ minute, count })),
  };
}
