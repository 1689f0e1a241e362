// Copies of agents' CLI session files in Redis (gzip), so that any worker on any host can resume
// an agent's session even when the worktree and config dir it ran in are gone. Keyed by session
// too: a retried agent starts a new session and must not get its old one back.
import { promisify } from "node:util";
import { gunzip as gunzipCallback, gzip as gzipCallback } from "node:zlib";
import type { Redis } from "ioredis";
import type { KeySpace } from "./keys.ts";

// On the thread pool: a session of many megabytes must not stop the event loop.
const gzip = promisify(gzipCallback);
const gunzip = promisify(gunzipCallback);

const retentionSeconds = 30 * 86_400;

export class SessionArchive {
  private readonly redis: Redis;
  private readonly keys: KeySpace;

  constructor(redis: Redis, keys: KeySpace) {
    this.redis = redis;
    this.keys = keys;
  }

  async save(agentId: string, sessionId: string, sessionJsonl: Buffer): Promise<void> {
    await this.redis.set(
      this.keys.agentSession(agentId, sessionId),
      await gzip(sessionJsonl),
      "EX",
      retentionSeconds,
    );
  }

  async load(agentId: string, sessionId: string): Promise<Buffer | undefined> {
    const stored = await this.redis.getBuffer(this.keys.agentSession(agentId, sessionId));
    return stored === null ? undefined : await gunzip(stored);
  }
}
