// How the gateway reads the model API's trouble from one answer: the kind, and when a rate
// limit resets (retry-after, a subscription's unified reset, an API key's limit resets).
import { describe, expect, it } from "vitest";
import { classifyUpstreamAnswer, resetTime, unreachableTrouble } from "../../src/gateway/upstream-trouble.ts";

const now = Date.parse("2026-12-04T14:00:00Z");

describe("classifyUpstreamAnswer", () => {
  it("reads a 429 as a rate limit resetting when retry-after says", () => {
    const trouble = classifyUpstreamAnswer(
      429,
      { "retry-after": "20" },
      { type: "rate_limit_error", message: "Number of requests has exceeded your rate limit" },
      now,
    );
    expect(trouble).toEqual({
      kind: "rate_limited",
      status: 429,
      message: "Number of requests has exceeded your rate limit",
      resetAt: now + 20_000,
    });
  });

  it("reads overload, server errors, errors mid-stream and over-long prompts", () => {
    const kind = (status: number, error?: { type: string; message: string }) =>
      classifyUpstreamAnswer(status, {}, error, now)?.kind;
    expect(kind(529, { type: "overloaded_error", message: "Overloaded" })).toBe("overloaded");
    expect(kind(200, { type: "overloaded_error", message: "Overloaded" })).toBe("overloaded");
    expect(kind(503)).toBe("server_error");
    expect(kind(500, { type: "api_error", message: "Internal server error" })).toBe("server_error");
    expect(kind(200, { type: "api_error", message: "stream broke" })).toBe("server_error");
    expect(
      kind(400, {
        type: "invalid_request_error",
        message: "prompt is too long: 215000 tokens > 200000 maximum",
      }),
    ).toBe("prompt_too_long");
  });

  it("is no trouble for answers and for requests that are wrong themselves", () => {
    expect(classifyUpstreamAnswer(200, {}, undefined, now)).toBeUndefined();
    expect(
      classifyUpstreamAnswer(400, {}, { type: "invalid_request_error", message: "bad field" }, now),
    ).toBeUndefined();
    expect(
      classifyUpstreamAnswer(401, {}, { type: "authentication_error", message: "invalid x-api-key" }, now),
    ).toBeUndefined();
  });

  it("names a connection failure unreachable", () => {
    expect(unreachableTrouble(new Error("connect ECONNREFUSED 127.0.0.1:1"))).toMatchObject({
      kind: "unreachable",
      message: "Error: connect ECONNREFUSED 127.0.0.1:1",
    });
  });
});

describe("resetTime", () => {
  it("takes a subscription's unified reset (epoch seconds) when there is no retry-after", () => {
    const reset = now / 1000 + 3_600;
    expect(
      resetTime(
        {
          "anthropic-ratelimit-unified-status": "rejected",
          "anthropic-ratelimit-unified-reset": String(reset),
          "anthropic-ratelimit-unified-representative-claim": "five_hour",
        },
        now,
      ),
    ).toBe(reset * 1000);
  });

  it("takes the latest reset of an API key's used-up limits, else the earliest of the others", () => {
    const at = (seconds: number) => new Date(now + seconds * 1000).toISOString();
    expect(
      resetTime(
        {
          "anthropic-ratelimit-requests-remaining": "0",
          "anthropic-ratelimit-requests-reset": at(30),
          "anthropic-ratelimit-tokens-remaining": "0",
          "anthropic-ratelimit-tokens-reset": at(50),
          "anthropic-ratelimit-output-tokens-remaining": "9000",
          "anthropic-ratelimit-output-tokens-reset": at(5),
        },
        now,
      ),
    ).toBe(now + 50_000);
    expect(
      resetTime(
        { "anthropic-ratelimit-requests-reset": at(30), "anthropic-ratelimit-tokens-reset": at(10) },
        now,
      ),
    ).toBe(now + 10_000);
    expect(resetTime({ "retry-after": "Fri, 04 Dec 2026 14:02:00 GMT" }, now)).toBe(now + 120_000);
    expect(resetTime({}, now)).toBeUndefined();
  });
});
