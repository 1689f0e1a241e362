// One-off writes a webhook asks for (the reply to a command, the 👀 on it), kept in Redis until
// the reporter has written them, so they are paced, retried and survive a crash like every
// other write. One reply and one reaction per webhook delivery: a redelivery adds nothing.
import type { Redis } from "ioredis";
import { z } from "zod";
import type { CommentKind } from "../github/reactions.ts";
import { LuaScript } from "../redis/lua-script.ts";
import type { KeySpace } from "../store/keys.ts";
import { storedFlag } from "../store/records.ts";

/** A stored record's numbers, as Redis gives them back: strings. */
const storedNumber = z.coerce.number().int();

const storedReplySchema = z.object({
  installationId: storedNumber,
  owner: z.string(),
  repo: z.string(),
  issueNumber: storedNumber,
  body: z.string(),
  /** A write was started: it may have reached GitHub, so look before posting again. */
  attempted: storedFlag,
  commentId: storedNumber.optional(),
});
export type StoredReply = z.infer<typeof storedReplySchema>;
export type ReplyRequest = Omit<StoredReply, "attempted" | "commentId">;

const storedReactionSchema = z.object({
  installationId: storedNumber,
  owner: z.string(),
  repo: z.string(),
  commentId: storedNumber,
  commentKind: z.enum(["issue", "review"]) satisfies z.ZodType<CommentKind>,
  done: storedFlag,
});
export type StoredReaction = z.infer<typeof storedReactionSchema>;
export type ReactionRequest = Omit<StoredReaction, "done">;

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
    // Without its body it is no reply: a mark (attempted, posted) that outlived its record.
    return fields.body === undefined ? undefined : storedReplySchema.parse(fields);
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
    return fields.installationId === undefined ? undefined : storedReactionSchema.parse(fields);
  }

  async markReactionDone(deliveryId: string): Promise<void> {
    await this.redis.hset(this.keys.deliveryReaction(deliveryId), "done", "1");
  }

  private async createIfAbsent(key: string, fields: Record<string, string | number>): Promise<boolean> {
    const pairs = Object.entries(fields).flatMap(([name, value]) => [name, String(value)]);
    return (await createIfAbsentScript.run(this.redis, [key], [retentionSeconds, ...pairs])) === 1;
  }
}
