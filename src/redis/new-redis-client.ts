// How to reach the Redis a REDIS_URL names, as ioredis options: one place for every connection
// (queues, records, the probe at start), so that a socket path, TLS and Sentinel mean the same
// thing everywhere.
import { Redis, type RedisOptions } from "ioredis";
import { parseSentinelUrl } from "../config/redis-url.ts";

/** Options without `replyMapping`, which ioredis's constructors type differently from RedisOptions. */
type ClientOptions = Omit<RedisOptions, "replyMapping">;

export function newRedisClient(redisUrl: string, base: ClientOptions): Redis {
  if (redisUrl.startsWith("unix://") || redisUrl.startsWith("/"))
    return new Redis({ ...base, path: redisUrl.replace(/^unix:\/\//, "") });
  const sentinel = parseSentinelUrl(redisUrl);
  if (sentinel === undefined) return new Redis(redisUrl, base);
  return new Redis({
    ...base,
    sentinels: sentinel.sentinels,
    name: sentinel.masterName,
    ...(sentinel.password === undefined ? {} : { password: sentinel.password }),
    ...(sentinel.username === undefined ? {} : { username: sentinel.username }),
    db: sentinel.db,
    // Learn of a failover from the sentinels' +switch-master at once, instead of on the next error.
    failoverDetector: true,
    // A connection still on a demoted master gets READONLY: reconnect (to the new master) and
    // send the command again.
    reconnectOnError: (error: Error) => (error.message.startsWith("READONLY") ? 2 : false),
  });
}
