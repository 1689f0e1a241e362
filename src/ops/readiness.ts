// What /readyz checks: each part of the process registers a check that names its problem, or
// answers undefined when it is fine. A check that does not answer in time counts as a problem.
import type { Redis } from "ioredis";

export type ReadinessCheck = () => Promise<string | undefined>;

export interface ReadinessReport {
  ready: boolean;
  /** "ok" or the problem, per check. */
  checks: Record<string, string>;
  /** Figures that inform without deciding readiness (e.g. the webhook backlog), per part. */
  details?: Record<string, Record<string, number> | string>;
}

/** Figures for the report; they never make the process unready (a backlog is no reason to stop taking webhooks). */
export type ReadinessDetail = () => Promise<Record<string, number>>;

const checkTimeoutMs = 2_000;

export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck>();
  private readonly details = new Map<string, ReadinessDetail>();

  add(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  detail(name: string, detail: ReadinessDetail): void {
    this.details.set(name, detail);
  }

  async report(): Promise<ReadinessReport> {
    const [entries, details] = await Promise.all([
      Promise.all(
        [...this.checks].map(async ([name, check]) => [name, (await withTimeout(check)) ?? "ok"] as const),
      ),
      Promise.all(
        [...this.details].map(async ([name, detail]) => [name, await withTimeout(detail)] as const),
      ),
    ]);
    return {
      ready: entries.every(([, state]) => state === "ok"),
      checks: Object.fromEntries(entries),
      ...(details.length === 0 ? {} : { details: Object.fromEntries(details) }),
    };
  }
}

/** Redis answers PING. */
export function redisReachable(redis: Redis): ReadinessCheck {
  return async () => {
    const answer = await redis.ping();
    return answer === "PONG" ? undefined : `Redis answered ${answer} to PING`;
  };
}

/** What `ask` answers, or the problem ("failed: …", "no answer within …") in its place. */
async function withTimeout<T>(ask: () => Promise<T>): Promise<T | string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${checkTimeoutMs} ms`), checkTimeoutMs);
  });
  try {
    return await Promise.race([ask().catch((error: unknown) => `failed: ${describe(error)}`), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
