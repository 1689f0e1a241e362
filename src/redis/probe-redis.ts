import { newRedisClient } from "./new-redis-client.ts";

export type RedisProbe =
  | { ok: true; version: string; maxmemoryPolicy: string | undefined }
  | { ok: false; problem: string };

export async function probeRedis(redisUrl: string, timeoutMs = 3_000): Promise<RedisProbe> {
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
  try {
    await client.connect();
    await client.ping();
    const info = await client.info();
    return {
      ok: true,
      version: /redis_version:(\S+)/.exec(info)?.[1] ?? "unknown",
      maxmemoryPolicy: /maxmemory_policy:(\S+)/.exec(info)?.[1],
    };
  } catch (error) {
    const failure = lastError ?? error;
    return { ok: false, problem: failure instanceof Error ? failure.message : String(failure) };
  } finally {
    client.disconnect();
  }
}
