// One-off writes a webhook asks for (the reply to a command, the 👀 on it), kept in Redis until
// the reporter has written them, so they are paced, retried and survive a crash like every
// other write. One reply and one reaction per webhook delivery: a redelivery adds nothing.
import type { Redis } from "ioredis";
import type { CommentKind } from "../github/reactions.ts";
import { LuaScript } from "../redis/lua-script.ts";
import type { KeySpace } from "../store/keys.ts";

export interface ReplyRequest {
  installationId: number;
  owner: string;
  repo: string;
  issueNumber: number;
  body: string;
}

export interface StoredReply extends ReplyRequest {
  /** A write was started: it may have reached GitHub, so look before posting again. */
  attempted: boolean;
  commentId: number | undefined;
}

export interface ReactionRequest {
  installationId: number;
  owner: string;
  repo: string;
  commentId: number;
  commentKind: CommentKind;
}

export interface StoredReaction extends ReactionRequest {
  done: boolean;
}

const retentionSeconds = 7 * 86_400;

// KEYS: record. ARGV: ttl seconds, then field/value pairs. Returns 1 when created.
const createIfAbsentScript = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[1]))
return 1
`);

export class Outbox {
  private readonly redis: Redis;
  private readonly keys: KeySpace;

  constructor(redis: Redis, keys: KeySpace) {
    this.redis = redis;
    this.keys = keys;
  }

  /** Records the reply to a delivery; false when that delivery already has one. */
  async addReply(deliveryId: string, reply: ReplyRequest): Promise<boolean> {
    return this.createIfAbsent(this.keys.deliveryReply(deliveryId), { ...reply });
  }

  async getReply(deliveryId: string): Promise<StoredReply | undefined> {
    const fields = await this.redis.hgetall(this.keys.deliveryReply(deliveryId));
    if (fields.body === undefined) return undefined;
    return {
      installationId: Number(fields.installationId),
      owner: fields.owner ?? "",
      repo: fields.repo ?? "",
      issueNumber: Number(fields.issueNumber),
      body: fields.body,
      attempted: fields.attempted === "1",
      commentId: fields.commentId === undefined ? undefined : Number(fields.commentId),
    };
  }

  async markReplyAttempted(deliveryId: string): Promise<void> {
    await this.redis.hset(this.keys.deliveryReply(deliveryId), "attempted", "1");
  }

  async markReplyPosted(deliveryId: string, commentId: number): Promise<void> {
    await this.redis.hset(this.keys.deliveryReply(deliveryId), "commentId", String(commentId));
  }

  async addReaction(deliveryId: string, reaction: ReactionRequest): Promise<boolean> {
    return this.createIfAbsent(this.keys.deliveryReaction(deliveryId), { ...reaction });
  }

  async getReaction(deliveryId: string): Promise<StoredReaction | undefined> {
    const fields = await this.redis.hgetall(this.keys.deliveryReaction(deliveryId));
    if (fields.commentId === undefined) return undefined;
    return {
      installationId: Number(fields.installationId),
      owner: fields.owner ?? "",
      repo: fields.repo ?? "",
      commentId: Number(fields.commentId),
      commentKind: fields.commentKind === "review" ? "review" : "issue",
      done: fields.done === "1",
    };
  }

  async markReactionDone(deliveryId: string): Promise<void> {
    await this.redis.hset(this.keys.deliveryReaction(deliveryId), "done", "1");
  }

  private async createIfAbsent(key: string, fields: Record<string, string | number>): Promise<boolean> {
    const pairs = Object.entries(fields).flatMap(([name, value]) => [name, String(value)]);
    return (await createIfAbsentScript.run(this.redis, [key], [retentionSeconds, ...pairs])) === 1;
  }
}
