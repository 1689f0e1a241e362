// The fleet's brake in a real Redis: a later reset wins, an earlier one does not shorten it, and
// it lifts itself.
import { describe, expect, it } from "vitest";
import { ModelBrake } from "../../src/store/model-brake.ts";
import { useTestRedis } from "../support/test-redis.ts";
import { waitFor } from "../support/wait-for.ts";

const testRedis = useTestRedis();
const brake = new ModelBrake(testRedis.redis, testRedis.keys);

describe("ModelBrake", () => {
  it("holds until the latest reset it was given, then lifts itself", async () => {
    expect(await brake.current()).toBeUndefined();
    const until = Date.now() + 1_500;
    await brake.press(until, "rate limited (429)");
    await brake.press(until - 1_000, "an earlier reset");
    expect(await brake.current()).toEqual({ until, reason: "rate limited (429)" });
    await brake.press(Date.now() - 1, "a reset in the past");
    expect((await brake.current())?.until).toBe(until);
    await waitFor(async () => ((await brake.current()) === undefined ? true : undefined), {
      timeoutMs: 10_000,
      what: "the brake to lift",
    });
    expect(await testRedis.redis.exists(testRedis.keys.modelBrake())).toBe(0);
  });
});
