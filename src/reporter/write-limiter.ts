// Paces GitHub writes per installation under its secondary rate limits (about 80
// content-creating requests a minute and 500 an hour), across all Flotilla processes: a sliding
// log of recent writes in Redis. Progress updates leave headroom for final states (and for new
// check runs and comments), so those are not held up behind a stream of progress.
import type { Redis } from "ioredis";
import type { KeySpace } from "../store/keys.ts";

// KEYS: minute log, hour log, pause key. ARGV: now, per minute, per hour, member, minute
// reserve, hour reserve. Returns 0 when the write may go now, else the milliseconds to wait.
const acquireScript = `
local now = tonumber(ARGV[1])
local pausedUntil = tonumber(redis.call('GET', KEYS[3]) or '0')
if pausedUntil > now then return pausedUntil - now end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 60000)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - 3600000)
local perMinute = tonumber(ARGV[2]) - tonumber(ARGV[5])
local perHour = tonumber(ARGV[3]) - tonumber(ARGV[6])
local inMinute = redis.call('ZCARD', KEYS[1])
if inMinute >= perMinute then
  local oldest = redis.call('ZRANGE', KEYS[1], inMinute - perMinute, inMinute - perMinute, 'WITHSCORES')
  return math.max(1, tonumber(oldest[2]) + 60000 - now)
end
local inHour = redis.call('ZCARD', KEYS[2])
if inHour >= perHour then
  local oldest = redis.call('ZRANGE', KEYS[2], inHour - perHour, inHour - perHour, 'WITHSCORES')
  return math.max(1, tonumber(oldest[2]) + 3600000 - now)
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('ZADD', KEYS[2], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], 61000)
redis.call('PEXPIRE', KEYS[2], 3601000)
return 0
`;

export interface WriteLimits {
  perMinute: number;
  perHour: number;
}

export type WritePriority = "final" | "progress";

export class WriteLimiter {
  private readonly redis: Redis;
  private readonly keys: KeySpace;
  private readonly limits: WriteLimits;
  private counter = 0;

  constructor(redis: Redis, keys: KeySpace, limits: WriteLimits) {
    this.redis = redis;
    this.keys = keys;
    this.limits = limits;
  }

  /** Claims one write; returns 0 if claimed, else how long to wait before asking again. */
  async tryAcquire(installationId: number, priority: WritePriority): Promise<number> {
    this.counter += 1;
    const member = `${Date.now()}-${process.pid}-${this.counter}-${Math.random().toString(36).slice(2)}`;
    // Progress leaves a quarter of each minute and a fifth of each hour to final states.
    const minuteReserve = priority === "final" ? 0 : Math.floor(this.limits.perMinute / 4);
    const hourReserve = priority === "final" ? 0 : Math.floor(this.limits.perHour / 5);
    const wait = await this.redis.eval(
      acquireScript,
      3,
      this.keys.rateWindow(installationId, "minute"),
      this.keys.rateWindow(installationId, "hour"),
      this.keys.rateWindow(installationId, "paused"),
      Date.now(),
      this.limits.perMinute,
      this.limits.perHour,
      member,
      minuteReserve,
      hourReserve,
    );
    return Number(wait);
  }

  /** Waits until a write may go; for callers that must not skip it (command replies). */
  async acquire(installationId: number, priority: WritePriority): Promise<void> {
    for (;;) {
      const wait = await this.tryAcquire(installationId, priority);
      if (wait === 0) return;
      await new Promise((resolve) => setTimeout(resolve, Math.min(wait, 5_000)));
    }
  }

  /** Stops all writes for an installation, e.g. after GitHub said "secondary rate limit". */
  async pause(installationId: number, durationMs: number): Promise<void> {
    const until = Date.now() + durationMs;
    await this.redis.set(this.keys.rateWindow(installationId, "paused"), String(until), "PX", durationMs);
  }
}
