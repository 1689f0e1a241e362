// Paces GitHub writes per installation under its secondary rate limits (about 80
// content-creating requests a minute and 500 an hour), across all Flotilla processes: a sliding
// log of recent writes in Redis, timed by Redis's own clock so that hosts with skewed clocks
// agree. Progress updates leave headroom for final states (and for new check runs, comments and
// replies), so those are not held up behind a stream of progress.
import type { Redis } from "ioredis";
import { LuaScript, luaIntegerHelper } from "../redis/lua-script.ts";
import type { KeySpace } from "../store/keys.ts";

// KEYS: minute log, hour log, pause key. ARGV: per minute, per hour, member, minute reserve,
// hour reserve, minute window ms, hour window ms. Returns 0 when the write may go now, else the
// milliseconds to wait.
const acquireScript = new LuaScript(`${luaIntegerHelper}
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local minuteMs = tonumber(ARGV[6])
local hourMs = tonumber(ARGV[7])
local pausedUntil = tonumber(redis.call('GET', KEYS[3]) or '0')
if pausedUntil > now then return pausedUntil - now end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - minuteMs)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - hourMs)
local perMinute = tonumber(ARGV[1]) - tonumber(ARGV[4])
local perHour = tonumber(ARGV[2]) - tonumber(ARGV[5])
local inMinute = redis.call('ZCARD', KEYS[1])
if inMinute >= perMinute then
  local oldest = redis.call('ZRANGE', KEYS[1], inMinute - perMinute, inMinute - perMinute, 'WITHSCORES')
  return math.max(1, tonumber(oldest[2]) + minuteMs - now)
end
local inHour = redis.call('ZCARD', KEYS[2])
if inHour >= perHour then
  local oldest = redis.call('ZRANGE', KEYS[2], inHour - perHour, inHour - perHour, 'WITHSCORES')
  return math.max(1, tonumber(oldest[2]) + hourMs - now)
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('ZADD', KEYS[2], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], int(minuteMs + 1000))
redis.call('PEXPIRE', KEYS[2], int(hourMs + 1000))
return 0
`);

// KEYS: pause key. ARGV: duration ms. A shorter pause never cuts a longer one short.
const pauseScript = new LuaScript(`${luaIntegerHelper}
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local untilMs = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current >= untilMs then return current end
redis.call('SET', KEYS[1], int(untilMs), 'PX', int(tonumber(ARGV[1])))
return untilMs
`);

export interface WriteLimits {
  perMinute: number;
  perHour: number;
  /** Length of the "minute" window (tests shorten it). @defaultValue 60_000 */
  minuteMs?: number;
  /** Length of the "hour" window. @defaultValue 3_600_000 */
  hourMs?: number;
  /**
   * Added to each window. GitHub counts a write when it arrives and Flotilla when it claims
   * the write; the request goes out right after the claim, but a busy process or network can
   * delay it, which bunches arrivals closer together than the claims were.
   * @defaultValue 1_000
   */
  slackMs?: number;
}

export type WritePriority = "final" | "progress";

export class WriteLimiter {
  private readonly redis: Redis;
  private readonly keys: KeySpace;
  private readonly limits: Required<WriteLimits>;
  private counter = 0;

  constructor(redis: Redis, keys: KeySpace, limits: WriteLimits) {
    this.redis = redis;
    this.keys = keys;
    this.limits = { minuteMs: 60_000, hourMs: 3_600_000, slackMs: 1_000, ...limits };
  }

  /** Claims one write; returns 0 if claimed, else how long to wait before asking again. */
  async tryAcquire(installationId: number, priority: WritePriority): Promise<number> {
    this.counter += 1;
    const member = `${process.pid}-${this.counter}-${Math.random().toString(36).slice(2)}`;
    const { perMinute, perHour, minuteMs, hourMs, slackMs } = this.limits;
    // Progress leaves a quarter of each minute and a fifth of each hour to final states.
    const minuteReserve = priority === "final" ? 0 : Math.floor(perMinute / 4);
    const hourReserve = priority === "final" ? 0 : Math.floor(perHour / 5);
    const wait = await acquireScript.run(
      this.redis,
      [
        this.keys.rateWindow(installationId, "minute"),
        this.keys.rateWindow(installationId, "hour"),
        this.keys.rateWindow(installationId, "paused"),
      ],
      [perMinute, perHour, member, minuteReserve, hourReserve, minuteMs + slackMs, hourMs + slackMs],
    );
    return Number(wait);
  }

  /** Stops all writes for an installation, e.g. after GitHub said "secondary rate limit". */
  async pause(installationId: number, durationMs: number): Promise<void> {
    if (durationMs <= 0) return;
    await pauseScript.run(
      this.redis,
      [this.keys.rateWindow(installationId, "paused")],
      [Math.ceil(durationMs)],
    );
  }
}
