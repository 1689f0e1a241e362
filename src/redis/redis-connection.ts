// Redis connections. BullMQ workers block on Redis and need `maxRetriesPerRequest: null`;
// everything else fails fast so that a web request never hangs on a Redis outage.
import { Redis } from "ioredis";
import { redisAddress } from "../config/redis-url.ts";
import { reportRedisOutages } from "./redis-outage.ts";

export type ConnectionRole = "blocking" | "commands";

export function createRedisConnection(redisUrl: string, role: ConnectionRole): Redis {
  const options = {
    maxRetriesPerRequest: role === "blocking" ? null : 3,
    enableReadyCheck: true,
    // ioredis 6 speaks RESP3 by default; BullMQ's scripts and our Lua expect RESP2 replies.
    protocol: 2 as const,
    retryStrategy: (attempt: number) => Math.min(attempt * 200, 2_000),
  };
  const connection =
    redisUrl.startsWith("unix://") || redisUrl.startsWith("/")
      ? new Redis({ ...options, path: redisUrl.replace(/^unix:\/\//, "") })
      : new Redis(redisUrl, options);
  reportRedisOutages(connection, redisAddress(redisUrl));
  return connection;
}
