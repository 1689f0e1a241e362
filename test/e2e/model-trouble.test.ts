// The model API in trouble, for real, with Flotilla holding an API key (`x-api-key`; a 429 names
// its reset in `retry-after` and the `anthropic-ratelimit-requests-*` headers): the claude CLI
// against a scripted model that rate limits, overloads, goes down in the middle of a 1+3 tree
// and finds a prompt too long. The scenarios are in test/support/model-trouble/; the same run
// with a subscription token, and the full two-minute outage, is model-trouble-subscription.test.ts.
// Here the outage lasts 25 s: it already meets every part of the tree (backoff, parks, resumes);
// two minutes only add tries.
import { afterAll, beforeAll, describe, it } from "vitest";
import { apiKeyStyle } from "../support/model-trouble/credential-style.ts";
import { outageInTree } from "../support/model-trouble/outage-in-tree.ts";
import { promptTooLong } from "../support/model-trouble/prompt-too-long.ts";
import { rateLimitThenOverload } from "../support/model-trouble/rate-limit-then-overload.ts";
import { startTroubleWorld, type TroubleWorld } from "../support/model-trouble/trouble-world.ts";

let trouble: TroubleWorld;

beforeAll(async () => {
  trouble = await startTroubleWorld("model-trouble", apiKeyStyle);
});

afterAll(() => trouble?.world.cleanup());

describe("model trouble with an API key", () => {
  it("parks a rate-limited, then overloaded agent without its slot, holds new agents at the brake, resumes it in its own session", () =>
    rateLimitThenOverload(trouble));

  it("finishes a 1+3 tree through a 25 s outage in its middle, none failed, errors counted by kind", () =>
    outageInTree(trouble, 25_000));

  it("gives an over-long conversation one fresh session, then fails with that reason, never success", () =>
    promptTooLong(trouble));
});
