// How many agents of one repository run at once, across all workers: a sorted set per
// repository of leases (member: agent id, score: when the lease expires, by Redis's clock).
// Holders renew their lease while they run; a worker killed mid-run stops renewing, and its
// lease expires, so a dead agent never blocks its repository for good.
import type { Redis } from "ioredis";
import { z } from "zod";
import { LuaScript, luaIntegerHelper } from "../redis/lua-script.ts";
import type { KeySpace } from "./keys.ts";

export interface SlotRequest {
  owner: string;
  repo: string;
  /** Who holds the slot: the agent id. Taking a slot one already holds renews it. */
  holder: string;
  /** Agents of the repository that may hold a slot at once. */
  limit: number;
  ttlMs: number;
}

export interface SlotAnswer {
  acquired: boolean;
  /** Slots held in the repository after the call (the holder's included when acquired). */
  active: number;
}

// KEYS[1] the repository's lease set; ARGV: holder, limit, ttl in ms.
const acquireScript = new LuaScript(`${luaIntegerHelper}
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local ttl = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local held = redis.call('ZSCORE', KEYS[1], ARGV[1])
local active = redis.call('ZCARD', KEYS[1])
if held or active < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
  redis.call('PEXPIRE', KEYS[1], int(ttl * 2))
  return {1, redis.call('ZCARD', KEYS[1])}
end
return {0, active}
`);

// KEYS[1] the repository's lease set; ARGV: holder, ttl in ms. Renews only a lease still held.
const renewScript = new LuaScript(`${luaIntegerHelper}
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local ttl = tonumber(ARGV[2])
if redis.call('ZADD', KEYS[1], 'XX', 'CH', now + ttl, ARGV[1]) == 1 then
  redis.call('PEXPIRE', KEYS[1], int(ttl * 2))
  return 1
end
return 0
`);

/** {1 when acquired else 0, the live leases after it}. */
const acquireReply = z.tuple([z.union([z.literal(0), z.literal(1)]), z.int().min(0)]);

export class RepositorySlots {
  private readonly redis: Redis;
  private readonly keys: KeySpace;

  constructor(redis: Redis, keys: KeySpace) {
    this.redis = redis;
    this.keys = keys;
  }

  async acquire(request: SlotRequest): Promise<SlotAnswer> {
    const [acquired, active] = acquireReply.parse(
      await acquireScript.run(
        this.redis,
        [this.keys.repositoryActive(request.owner, request.repo)],
        [request.holder, request.limit, request.ttlMs],
      ),
    );
    return { acquired: acquired === 1, active };
  }

  /** Extends a held lease; false when it had already expired (and may have been taken). */
  async renew(request: Omit<SlotRequest, "limit">): Promise<boolean> {
    const reply = await renewScript.run(
      this.redis,
      [this.keys.repositoryActive(request.owner, request.repo)],
      [request.holder, request.ttlMs],
    );
    return reply === 1;
  }

  async release(owner: string, repo: string, holder: string): Promise<void> {
    await this.redis.zrem(this.keys.repositoryActive(owner, repo), holder);
  }

  /** Agents holding a live slot of the repository. */
  async holders(owner: string, repo: string): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.repositoryActive(owner, repo), Date.now(), "+inf");
  }
}
