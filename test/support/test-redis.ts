// A Redis connection for one test file, with its own key prefix, and removal of every key under
// that prefix afterwards (BullMQ's keys included, since they share the prefix).
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll } from "vitest";
import { createRedisConnection } from "../../src/redis/redis-connection.ts";
import { createKeySpace, type KeySpace } from "../../src/store/keys.ts";

export const testRedisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

export interface TestRedis {
  redis: Redis;
  keys: KeySpace;
  prefix: string;
  /** Removes every key under the prefix (between tests that need a clean slate). */
  clear(): Promise<void>;
  cleanup(): Promise<void>;
}

/**
 * The test file's Redis: connected as the file loads, its keys removed and its connection closed
 * after the file's last test. Call it at the top of a test file, instead of hooks of its own.
 */
export function useTestRedis(): TestRedis {
  const testRedis = createTestRedis();
  afterAll(() => testRedis.cleanup());
  return testRedis;
}

export function createTestRedis(): TestRedis {
  const prefix = `{flotilla-test-${randomBytes(4).toString("hex")}}`;
  const redis = createRedisConnection(testRedisUrl, "commands");
  return {
    redis,
    keys: createKeySpace(prefix),
    prefix,
    clear: () => deleteKeysWithPrefix(redis, prefix),
    cleanup: async () => {
      await deleteKeysWithPrefix(redis, prefix);
      redis.disconnect();
    },
  };
}

export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<void> {
  const pattern = `${prefix.replace(/[[\]{}*?\\]/g, "\\$&")}*`;
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== "0");
}
