// A Lua script run atomically in Redis by its SHA (EVALSHA), sent in full (EVAL) only when the
// server does not know it yet, e.g. after a restart or a SCRIPT FLUSH.
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

/**
 * Lua helper every script that hands a computed number to an integer command starts with.
 * Redis turns a Lua number into a command argument with "%.17g", so `-x` for x = 0 becomes the
 * string "-0" and a fraction keeps its decimals: HINCRBY, INCRBY and PEXPIRE refuse both ("ERR
 * value is not an integer or out of range"). `int(x)` is always a plain integer string.
 */
export const luaIntegerHelper = "local function int(x) return string.format('%d', x) end\n";

export class LuaScript {
  readonly source: string;
  readonly sha: string;

  constructor(source: string) {
    this.source = source;
    this.sha = createHash("sha1").update(source).digest("hex");
  }

  async run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.includes("NOSCRIPT")) throw error;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}
