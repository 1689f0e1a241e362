// The set of GitHub objects whose records changed since they were last written, in Redis so that
// any process can write them and nothing is forgotten when one dies. Each target has a version:
// a write only clears the target if no change arrived while it was being written.
import type { Redis } from "ioredis";
import { LuaScript } from "../redis/lua-script.ts";
import { releaseLockScript } from "../redis/redis-lock.ts";
import type { KeySpace } from "../store/keys.ts";

// KEYS: dirty zset, versions hash, last-write hash, urgent hash. ARGV: target, now, min
// interval, urgent. Urgent changes (creation, final states) are due now; progress waits for the
// interval. The urgent hash remembers the newest version that was urgent.
const markScript = new LuaScript(`
local version = redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
local due = tonumber(ARGV[2])
if ARGV[4] == '1' then
  redis.call('HSET', KEYS[4], ARGV[1], version)
else
  local last = tonumber(redis.call('HGET', KEYS[3], ARGV[1]) or '0')
  due = math.max(due, last + tonumber(ARGV[3]))
end
redis.call('ZADD', KEYS[1], 'LT', due, ARGV[1])
return due
`);

// KEYS: dirty zset, versions hash, last-write hash, urgent hash. ARGV: target, version written,
// now, interval. A change that arrived during the write keeps the target dirty: due at once if
// it was urgent (a final state must not wait behind the progress write it overtook), else after
// the interval.
const completeScript = new LuaScript(`
redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
local current = redis.call('HGET', KEYS[2], ARGV[1])
if current == ARGV[2] then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[4], ARGV[1])
  return 1
end
local urgentVersion = tonumber(redis.call('HGET', KEYS[4], ARGV[1]) or '0')
if urgentVersion > tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], tonumber(ARGV[3]), ARGV[1])
else
  redis.call('ZADD', KEYS[1], tonumber(ARGV[3]) + tonumber(ARGV[4]), ARGV[1])
end
return 0
`);

export class DirtyTargets {
  private readonly redis: Redis;
  private readonly keys: KeySpace;
  private readonly minIntervalMs: number;

  constructor(redis: Redis, keys: KeySpace, minIntervalMs: number) {
    this.redis = redis;
    this.keys = keys;
    this.minIntervalMs = minIntervalMs;
  }

  async mark(targetKeys: readonly string[], urgent: boolean): Promise<void> {
    const now = Date.now();
    await Promise.all(
      targetKeys.map((key) =>
        markScript.run(this.redis, this.scriptKeys(), [key, now, this.minIntervalMs, urgent ? "1" : "0"]),
      ),
    );
  }

  async due(limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.reportDirty(), "-inf", Date.now(), "LIMIT", 0, limit);
  }

  async isDirty(key: string): Promise<boolean> {
    return (await this.redis.zscore(this.keys.reportDirty(), key)) !== null;
  }

  async pendingCount(): Promise<number> {
    return this.redis.zcard(this.keys.reportDirty());
  }

  async version(key: string): Promise<string> {
    return (await this.redis.hget(this.keys.reportVersions(), key)) ?? "0";
  }

  /** Records a successful write of `version`; returns true if the target is now clean. */
  async complete(key: string, version: string): Promise<boolean> {
    const cleared = await completeScript.run(this.redis, this.scriptKeys(), [
      key,
      version,
      Date.now(),
      this.minIntervalMs,
    ]);
    return cleared === 1;
  }

  async postpone(key: string, delayMs: number): Promise<void> {
    await this.redis.zadd(this.keys.reportDirty(), "XX", Date.now() + delayMs, key);
  }

  /** Takes a short lock so that one process at a time writes a target. */
  async lock(key: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.keys.reportLock(key), owner, "PX", ttlMs, "NX")) === "OK";
  }

  async unlock(key: string, owner: string): Promise<void> {
    await releaseLockScript.run(this.redis, [this.keys.reportLock(key)], [owner]);
  }

  private scriptKeys(): string[] {
    return [
      this.keys.reportDirty(),
      this.keys.reportVersions(),
      this.keys.reportLastWrite(),
      this.keys.reportUrgent(),
    ];
  }
}
