// Redis connections. BullMQ workers block on Redis and need `maxRetriesPerRequest: null`;
// everything else fails fast so that a web request never hangs on a Redis outage. "fail-fast"
// does not even hold a command while reconnecting: storing a webhook delivery must fail at once
// (and be answered 503) rather than succeed minutes later for a delivery GitHub saw fail.
import type { Redis } from "ioredis";
import { redisAddress } from "../config/redis-url.ts";
import { newRedisClient } from "./new-redis-client.ts";
import { reportRedisOutages } from "./redis-outage.ts";

export type ConnectionRole = "blocking" | "commands" | "fail-fast";

export function createRedisConnection(redisUrl: string, role: ConnectionRole): Redis {
  const options = {
    maxRetriesPerRequest: role === "blocking" ? null : role === "fail-fast" ? 0 : 3,
    enableOfflineQueue: role !== "fail-fast",
    enableReadyCheck: true,
    // ioredis 6 speaks RESP3 by default; BullMQ's scripts and our Lua expect RESP2 replies.
    protocol: 2 as const,
    retryStrategy: (attempt: number) => Math.min(attempt * 200, 2_000),
  };
  const connection = newRedisClient(redisUrl, options);
  reportRedisOutages(connection, redisAddress(redisUrl));
  return connection;
}
