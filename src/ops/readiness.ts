// What /readyz checks: each part of the process registers a check that names its problem, or
// answers undefined when it is fine. A check that does not answer in time counts as a problem.
import type { Redis } from "ioredis";

export type ReadinessCheck = () => Promise<string | undefined>;

export interface ReadinessReport {
  ready: boolean;
  /** "ok" or the problem, per check. */
  checks: Record<string, string>;
}

const checkTimeoutMs = 2_000;

export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck>();

  add(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  async report(): Promise<ReadinessReport> {
    const entries = await Promise.all(
      [...this.checks].map(async ([name, check]) => [name, (await withTimeout(check)) ?? "ok"] as const),
    );
    return { ready: entries.every(([, state]) => state === "ok"), checks: Object.fromEntries(entries) };
  }
}

/** Redis answers PING. */
export function redisReachable(redis: Redis): ReadinessCheck {
  return async () => {
    const answer = await redis.ping();
    return answer === "PONG" ? undefined : `Redis answered ${answer} to PING`;
  };
}

async function withTimeout(check: ReadinessCheck): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${checkTimeoutMs} ms`), checkTimeoutMs);
  });
  try {
    return await Promise.race([check().catch((error: unknown) => `failed: ${describe(error)}`), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
