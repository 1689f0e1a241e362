// The model API in trouble, for real, with Flotilla holding a Claude subscription token
// (CLAUDE_CODE_OAUTH_TOKEN: `authorization: Bearer` and the oauth beta; a 429 names its reset only
// in the `anthropic-ratelimit-unified-*` headers): the same scenarios as model-trouble.test.ts
// (test/support/model-trouble/), and here the model API is down for the two minutes the
// acceptance of issue 14 asks for, in the middle of a 1+3 tree.
import { afterAll, beforeAll, describe, it } from "vitest";
import { subscriptionStyle } from "../support/model-trouble/credential-style.ts";
import { outageInTree } from "../support/model-trouble/outage-in-tree.ts";
import { promptTooLong } from "../support/model-trouble/prompt-too-long.ts";
import { rateLimitThenOverload } from "../support/model-trouble/rate-limit-then-overload.ts";
import { startTroubleWorld, type TroubleWorld } from "../support/model-trouble/trouble-world.ts";

let trouble: TroubleWorld;

beforeAll(async () => {
  trouble = await startTroubleWorld("model-trouble-subscription", () =>
    subscriptionStyle("sk-ant-oat01-e2e-sub"),
  );
});

afterAll(() => trouble?.world.cleanup());

describe("model trouble with a subscription token", () => {
  it("parks a rate-limited, then overloaded agent without its slot, holds new agents at the brake, resumes it in its own session", () =>
    rateLimitThenOverload(trouble));

  // Two minutes of outage, then backoff of up to 80 s before the last tries: longer than the
  // default test timeout allows.
  it(
    "finishes a 1+3 tree through a two-minute outage in its middle, none failed, errors counted by kind",
    {
      timeout: 540_000,
    },
    () => outageInTree(trouble, 120_000),
  );

  it("gives an over-long conversation one fresh session, then fails with that reason, never success", () =>
    promptTooLong(trouble));
});
