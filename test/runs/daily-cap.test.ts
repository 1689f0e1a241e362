import { describe, expect, it } from "vitest";
import { dailyCapRefusal } from "../../src/runs/daily-cap.ts";

const usage = (tokens: number) => ({ dailyUsage: async () => tokens });
const now = new Date("2026-11-25T18:47:10Z");

describe("dailyCapRefusal", () => {
  it("never refuses when there is no cap", async () => {
    expect(await dailyCapRefusal(usage(10 ** 12), undefined, 1, now)).toBeUndefined();
  });

  it("lets runs start below the cap", async () => {
    expect(await dailyCapRefusal(usage(999_999), 1_000_000, 1, now)).toBeUndefined();
  });

  it("refuses at the cap, saying what was used and when the count resets (UTC)", async () => {
    const reply = await dailyCapRefusal(usage(1_000_000), 1_000_000, 1, now);
    expect(reply).toContain("1.0M of 1.0M tokens used today (UTC)");
    expect(reply).toContain("until the cap resets at 2026-11-26 00:00 UTC (in 5 h 13 min)");
    expect(reply).toContain("DAILY_TOKEN_CAP");
  });

  it("rounds the wait up to a whole minute", async () => {
    const reply = await dailyCapRefusal(usage(5), 5, 1, new Date("2026-11-25T23:59:30Z"));
    expect(reply).toContain("(in 1 min)");
  });
});
