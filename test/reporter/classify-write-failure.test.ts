// What each of GitHub's failure answers means for a write: slow down (and for how long), retry
// with backoff, or give up on this version.
import { describe, expect, it } from "vitest";
import { classifyWriteFailure } from "../../src/reporter/classify-write-failure.ts";

function httpError(status: number, message: string, headers: Record<string, string> = {}) {
  return Object.assign(new Error(message), { status, response: { headers } });
}

describe("classifyWriteFailure", () => {
  it("reads a secondary rate limit from the 403's message and retry-after", () => {
    const error = httpError(403, "You have exceeded a secondary rate limit. Please wait.", {
      "retry-after": "7",
    });
    expect(classifyWriteFailure(error)).toEqual({
      kind: "rate-limited",
      limit: "secondary",
      retryAfterMs: 7_000,
    });
  });

  it("waits a minute on a secondary limit without retry-after, and on 429", () => {
    expect(classifyWriteFailure(httpError(403, "You have triggered an abuse detection mechanism"))).toEqual({
      kind: "rate-limited",
      limit: "secondary",
      retryAfterMs: 60_000,
    });
    expect(classifyWriteFailure(httpError(429, "Too many requests"))).toMatchObject({ retryAfterMs: 60_000 });
  });

  it("waits for the reset of an exhausted primary limit", () => {
    const now = 1_700_000_000_000;
    const error = httpError(403, "API rate limit exceeded", {
      "x-ratelimit-remaining": "0",
      "x-ratelimit-reset": String(now / 1000 + 90),
    });
    expect(classifyWriteFailure(error, now)).toEqual({
      kind: "rate-limited",
      limit: "primary",
      retryAfterMs: 90_000,
    });
  });

  it("retries server errors and network failures", () => {
    expect(classifyWriteFailure(httpError(502, "Bad Gateway"))).toEqual({ kind: "transient", status: 502 });
    expect(classifyWriteFailure(new TypeError("fetch failed"))).toEqual({
      kind: "transient",
      status: undefined,
    });
  });

  it("gives up on content GitHub refuses", () => {
    expect(classifyWriteFailure(httpError(422, "Validation Failed"))).toEqual({
      kind: "refused",
      status: 422,
    });
    expect(classifyWriteFailure(httpError(403, "Resource not accessible by integration"))).toEqual({
      kind: "refused",
      status: 403,
    });
  });
});
