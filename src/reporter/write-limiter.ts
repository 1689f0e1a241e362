// Paces GitHub writes per installation under its secondary rate limits (about 80
// content-creating requests a minute and 500 an hour), across all Flotilla processes: a sliding
// log of recent writes in Redis, timed by Redis's own clock so that hosts with skewed clocks
// agree. Progress updates leave headroom for final states (and for new check runs, comments and
// replies), so those are not held up behind a stream of progress.
//
// GitHub counts a write when it arrives, which is some time after Flotilla claims it (a busy
// process or network delays the request). So a claimed write counts as in flight (dated one
// window ahead) until it is settled, and is then dated when GitHub's answer came: every write
// GitHub saw in any window was still in the log when the last of them was claimed, so no window
// of arrivals holds more than the limit, however late requests go out.
import type { Redis } from "ioredis";
import { LuaScript, luaIntegerHelper } from "../redis/lua-script.ts";
import type { KeySpace } from "../store/keys.ts";

// KEYS: minute log, hour log, pause key. ARGV: per minute, per hour, member, minute reserve,
// hour reserve, minute window ms, hour window ms. Returns 0 when the write may go now (logged as
// in flight, dated a minute window ahead), else the milliseconds to wait.
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
redis.call('ZADD', KEYS[1], int(now + minuteMs), ARGV[3])
redis.call('ZADD', KEYS[2], int(now + minuteMs), ARGV[3])
redis.call('PEXPIRE', KEYS[1], int(2 * minuteMs + 1000))
redis.call('PEXPIRE', KEYS[2], int(hourMs + minuteMs + 1000))
return 0
`);

// KEYS: minute log, hour log. ARGV: members. Dates each write that is still logged at now, when
// GitHub has answered it (XX: one already expired stays gone).
const settleScript = new LuaScript(`${luaIntegerHelper}
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
for _, member in ipairs(ARGV) do
  redis.call('ZADD', KEYS[1], 'XX', int(now), member)
  redis.call('ZADD', KEYS[2], 'XX', int(now), member)
end
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
}

/** One claimed write, to settle once GitHub has answered its request. */
export interface WriteSlot {
  installationId: number;
  member: string;
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
    this.limits = { minuteMs: 60_000, hourMs: 3_600_000, ...limits };
  }

  /**
   * Claims one write: returns its slot (settle it once GitHub has answered), or how long to
   * wait before asking again.
   */
  async tryAcquire(installationId: number, priority: WritePriority): Promise<WriteSlot | number> {
    this.counter += 1;
    const member = `${process.pid}-${this.counter}-${Math.random().toString(36).slice(2)}`;
    const { perMinute, perHour, minuteMs, hourMs } = this.limits;
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
      [perMinute, perHour, member, minuteReserve, hourReserve, minuteMs, hourMs],
    );
    return Number(wait) === 0 ? { installationId, member } : Number(wait);
  }

  /** Dates the given writes when GitHub answered them (now): they count a window from here. */
  async settle(slots: readonly WriteSlot[]): Promise<void> {
    const byInstallation = Map.groupBy(slots, (slot) => slot.installationId);
    for (const [installationId, settled] of byInstallation) {
      await settleScript.run(
        this.redis,
        [this.keys.rateWindow(installationId, "minute"), this.keys.rateWindow(installationId, "hour")],
        settled.map((slot) => slot.member),
      );
    }
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
