// The outbox reads its records back through a schema: what it stored comes back with its types,
// a mark that outlived its record reads as no record, and a record that does not read as one
// is refused with the field named instead of turning into NaN or an empty owner.
import { describe, expect, it } from "vitest";
import { Outbox } from "../../src/reporter/outbox.ts";
import { useTestRedis } from "../support/test-redis.ts";

const testRedis = useTestRedis();
const outbox = new Outbox(testRedis.redis, testRedis.keys);

describe("the outbox's records", () => {
  it("reads back a reply and a reaction with their types", async () => {
    const reply = { installationId: 7, owner: "octo", repo: "demo", issueNumber: 12, body: "hello" };
    expect(await outbox.addReply("d1", reply)).toBe(true);
    expect(await outbox.getReply("d1")).toEqual({ ...reply, attempted: false });
    await outbox.markReplyAttempted("d1");
    await outbox.markReplyPosted("d1", 99);
    expect(await outbox.getReply("d1")).toEqual({ ...reply, attempted: true, commentId: 99 });

    const reaction = {
      installationId: 7,
      owner: "octo",
      repo: "demo",
      commentId: 5,
      commentKind: "review" as const,
    };
    expect(await outbox.addReaction("d1", reaction)).toBe(true);
    await outbox.markReactionDone("d1");
    expect(await outbox.getReaction("d1")).toEqual({ ...reaction, done: true });
  });

  it("reads a mark without its record as no record", async () => {
    await outbox.markReplyPosted("gone", 3);
    await outbox.markReactionDone("gone");
    expect(await outbox.getReply("gone")).toBeUndefined();
    expect(await outbox.getReaction("gone")).toBeUndefined();
  });

  it("refuses a record that does not read as one, naming the field", async () => {
    await testRedis.redis.hset(testRedis.keys.deliveryReaction("bad"), {
      installationId: "7",
      owner: "octo",
      repo: "demo",
      commentId: "not a number",
      commentKind: "issue",
    });
    await expect(outbox.getReaction("bad")).rejects.toThrow(/commentId/);
  });
});
