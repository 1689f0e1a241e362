// One look at a Redis before anything relies on it (the doctor, and the start, which refuses on a
// failure): does it answer, which version, and which maxmemory-policy. The whole look ends within
// `timeoutMs`, whatever is at the address: ioredis's own timeouts cover the TCP connect and the
// commands, but not its ready check, so something that accepts the connection and never speaks
// (a TLS port named with redis://, a proxy with nothing behind it) would hold it for 6-8 s.
// 10 s, not less: a host busy starting many processes at once (a fleet restarting) can take
// seconds to connect and ask, and a start refused for that is an outage of its own.
import { newRedisClient } from "./new-redis-client.ts";

export type RedisProbe =
  | { ok: true; version: string; maxmemoryPolicy: string | undefined }
  | { ok: false; problem: string };

export async function probeRedis(redisUrl: string, timeoutMs = 10_000): Promise<RedisProbe> {
  const options = {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    protocol: 2 as const,
  };
  const client = newRedisClient(redisUrl, options);
  let lastError: Error | undefined;
  client.on("error", (error: Error) => {
    lastError = error;
  });
  let timer: NodeJS.Timeout | undefined;
  const silence = new Promise<"silent">((resolve) => {
    timer = setTimeout(() => resolve("silent"), timeoutMs);
  });
  try {
    const info = await Promise.race([
      (async () => {
        await client.connect();
        await client.ping();
        return client.info();
      })(),
      silence,
    ]);
    if (info === "silent")
      return {
        ok: false,
        problem: `no answer within ${timeoutMs / 1000} s (is it Redis there, and is the scheme right: rediss:// for TLS?)`,
      };
    return {
      ok: true,
      version: /redis_version:(\S+)/.exec(info)?.[1] ?? "unknown",
      maxmemoryPolicy: /maxmemory_policy:(\S+)/.exec(info)?.[1],
    };
  } catch (error) {
    const failure = lastError ?? error;
    return { ok: false, problem: failure instanceof Error ? failure.message : String(failure) };
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}
