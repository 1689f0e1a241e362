import { describe, expect, it } from "vitest";
import { SessionArchive } from "../../src/store/session-archive.ts";
import { useTestRedis } from "../support/test-redis.ts";

const testRedis = useTestRedis();

describe("SessionArchive", () => {
  it("gives back a saved session byte for byte, and only for that session", async () => {
    const archive = new SessionArchive(testRedis.redis, testRedis.keys);
    const session = Buffer.from(
      `${JSON.stringify({ type: "user", message: { content: "héllo ✓" } })}\n`.repeat(500),
    );
    await archive.save("r1/a", "session-1", session);
    expect((await archive.load("r1/a", "session-1"))?.equals(session)).toBe(true);
    // A retried agent has a new session: it must not resume the old one.
    expect(await archive.load("r1/a", "session-2")).toBeUndefined();
    expect(await archive.load("r1/b", "session-1")).toBeUndefined();
  });
});
