// A short mutual-exclusion lock in Redis, for work that several processes may attempt at once
// (e.g. two agents of one run spawning children). Expires on its own if its holder dies.
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { LuaScript } from "./lua-script.ts";

/** Deletes KEYS[1] only if it still holds ARGV[1], the owner's token (it may have expired and been retaken). */
export const releaseLockScript = new LuaScript(
  "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
);

export async function withRedisLock<T>(
  redis: Redis,
  key: string,
  ttlMs: number,
  work: () => Promise<T>,
): Promise<T> {
  const owner = randomUUID();
  const deadline = Date.now() + ttlMs * 2;
  while ((await redis.set(key, owner, "PX", ttlMs, "NX")) !== "OK") {
    if (Date.now() > deadline)
      throw new Error(`Timed out waiting for the lock ${key}; another process holds it.`);
    await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 30));
  }
  try {
    return await work();
  } finally {
    await releaseLockScript.run(redis, [key], [owner]);
  }
}
