// Redis connections. BullMQ workers block on Redis and need `maxRetriesPerRequest: null`;
// everything else fails fast so that a web request never hangs on a Redis outage.
import { Redis } from "ioredis";

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
  reportOutagesOnce(connection, role);
  return connection;
}

/**
 * ioredis emits an error on every failed reconnect and prints "Unhandled error event" when no
 * one listens: one line per outage says what is wrong, and one more when Redis is back.
 */
function reportOutagesOnce(connection: Redis, role: ConnectionRole): void {
  let down = false;
  connection.on("error", (error: Error) => {
    if (down) return;
    down = true;
    console.warn(`Redis (${role} connection) failed: ${error.message}. Retrying every 2 s at most.`);
  });
  connection.on("ready", () => {
    if (!down) return;
    down = false;
    console.info(`Redis (${role} connection) is reachable again.`);
  });
}
