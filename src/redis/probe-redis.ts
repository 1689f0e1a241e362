// One attempt to reach a Redis, without retries: for the doctor and for the start, which must
// say at once that REDIS_URL points nowhere instead of retrying forever.
import { Redis } from "ioredis";

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
  const client =
    redisUrl.startsWith("unix://") || redisUrl.startsWith("/")
      ? new Redis({ ...options, path: redisUrl.replace(/^unix:\/\//, "") })
      : new Redis(redisUrl, options);
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
    const message =
      (lastError ?? error) instanceof Error ? (lastError ?? (error as Error)).message : String(error);
    return { ok: false, problem: message };
  } finally {
    client.disconnect();
  }
}
