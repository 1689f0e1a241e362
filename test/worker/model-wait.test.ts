// When a parked agent resumes, what people read meanwhile, and when Flotilla stops waiting.
import { describe, expect, it } from "vitest";
import type { UpstreamTrouble } from "../../src/gateway/upstream-trouble.ts";
import { planModelWait, utcMinute } from "../../src/worker/model-wait.ts";

const now = Date.parse("2026-12-04T14:04:10Z");
const sixHours = 6 * 3_600_000;
const rateLimited: UpstreamTrouble = {
  kind: "rate_limited",
  status: 429,
  message: "",
  resetAt: now + 50_000,
};
const overloaded: UpstreamTrouble = {
  kind: "overloaded",
  status: 529,
  message: "Overloaded",
  resetAt: undefined,
};
const fresh = { modelWaitSince: undefined, modelWaits: 0 };

describe("planModelWait", () => {
  it("waits a rate limit out until its reset, and says so in UTC", () => {
    expect(planModelWait(rateLimited, fresh, 3, sixHours, now)).toMatchObject({
      resume: true,
      resumeAt: now + 51_000,
      since: now,
      waits: 1,
      text: "waiting for the model: rate limited until 14:06 UTC (resumes by itself)",
    });
  });

  it("backs off overload from 10 s, doubling while no call is answered in between", () => {
    const first = planModelWait(overloaded, fresh, 2, sixHours, now);
    expect(first).toMatchObject({ resume: true, resumeAt: now + 10_000, waits: 1 });
    const later = planModelWait(
      overloaded,
      { modelWaitSince: now - 60_000, modelWaits: 3 },
      0,
      sixHours,
      now,
    );
    expect(later).toMatchObject({ resume: true, resumeAt: now + 80_000, since: now - 60_000, waits: 4 });
    expect(later.resume && later.text).toBe(
      "waiting for the model: overloaded (529): Overloaded, next try at 14:06 UTC (resumes by itself)",
    );
    // An answer in between starts a new stretch of trouble.
    expect(
      planModelWait(overloaded, { modelWaitSince: now - 60_000, modelWaits: 3 }, 1, sixHours, now),
    ).toMatchObject({
      resumeAt: now + 10_000,
      since: now,
    });
  });

  it("gives up, saying why, once the trouble would last longer than the operator allows", () => {
    const plan = planModelWait({ ...rateLimited, resetAt: now + 7 * 3_600_000 }, fresh, 0, sixHours, now);
    expect(plan).toMatchObject({ resume: false });
    expect(!plan.resume && plan.reason).toContain(
      "longer than Flotilla waits for it: 6 h (MODEL_WAIT_MAX_HOURS)",
    );
  });
});

describe("utcMinute", () => {
  it("rounds up, so the time shown is never before the resume", () => {
    expect(utcMinute(Date.parse("2026-12-04T14:05:00Z"))).toBe("14:05 UTC");
    expect(utcMinute(Date.parse("2026-12-04T14:05:01Z"))).toBe("14:06 UTC");
  });
});
