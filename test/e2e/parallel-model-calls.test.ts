// An agent that starts model calls of its own, many at once, with the credentials its CLI has in
// its environment (ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY, its gateway token): the gateway
// reserves each call's worst case before it forwards it and settles it to the exact usage, so
// all of them together never charge more than the agent's budget. The slack is zero: the model
// never reports more input than the reserved bound nor more output than the max_tokens the gateway
// forwarded (lowered to what fits). The first refusal stops the agent, and with it the Bash step
// and its curls still waiting, so what the test reads is what reached the model and the run
// store, not the curls' statuses. Real CLI, scripted model, Flotilla processes; the attack is an
// ordinary Bash step.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createE2eEnvironment, type E2eEnvironment, e2eOwner, e2eRepo } from "../support/e2e-environment.ts";
import type { RunningFlotilla } from "../support/flotilla-process.ts";
import { waitFor } from "../support/wait-for.ts";

const budgetTokens = 20_000;
const parallelCalls = 40;
/** What each forwarded call costs when answered in full: all 40 would cost 14 times the budget. */
const burstInputTokens = 1_000;
const burstOutputTokens = 6_000;

/** 40 POSTs at once to the model endpoint, with the agent's own token, each asking for 32k tokens. */
const burst = [
  `body='${JSON.stringify({
    model: "claude-opus-4-7",
    max_tokens: 32_000,
    stream: true,
    // With tools, as the CLI's work calls have them (the scripted model gives calls without any
    // the short answer of the CLI's side requests, not the script's).
    tools: [{ name: "Noop", description: "does nothing", input_schema: { type: "object" } }],
    messages: [{ role: "user", content: "[[script:burst]] write a very long answer" }],
  })}'`,
  `for i in $(seq ${parallelCalls}); do`,
  `  curl -s -o /dev/null -w '%{http_code}\\n' -H "x-api-key: $ANTHROPIC_API_KEY" -H 'anthropic-version: 2023-06-01' -H 'content-type: application/json' -d "$body" "$ANTHROPIC_BASE_URL/v1/messages" &`,
  "done",
  "wait",
].join("\n");

let world: E2eEnvironment;
let flotilla: RunningFlotilla;

beforeAll(async () => {
  world = await createE2eEnvironment("parallel");
  world.model
    .script("parallel-agent", (context) =>
      context.step === 0
        ? { toolCalls: [{ name: "Bash", input: { command: burst, description: "call the model 40 times" } }] }
        : { text: "done" },
    )
    // Each answer takes a while, so that the calls overlap.
    .script("burst", () => ({
      text: "a long answer",
      inputTokens: burstInputTokens,
      outputTokens: burstOutputTokens,
      delayMs: 100,
    }));
  flotilla = await world.startFlotilla();
});

afterAll(() => world?.cleanup());

describe("parallel model calls with the agent's own token", () => {
  it("charge at most the budget and are refused once it is spent", async () => {
    expect(
      (await world.comment(flotilla, `/agents run --budget 20k [[script:parallel-agent]] call the model`))
        .status,
    ).toBe(200);
    const runId = await waitFor(async () => (await world.store.runIdsForIssue(e2eOwner, e2eRepo, 7))[0], {
      what: "the run",
    });
    const agent = await waitFor(
      async () => {
        const [candidate] = await world.store.listRunAgents(runId);
        return candidate !== undefined &&
          ["succeeded", "failed", "cancelled", "out_of_budget", "timed_out"].includes(candidate.state)
          ? candidate
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: "the agent to end" },
    );

    const forwarded = world.model.requestsFor("burst");
    // The most the model could charge for each forwarded call, answered in full: its input, and
    // its output up to the max_tokens the gateway sent on (lowered to what was left of the
    // budget). A call cut short when the agent was stopped costs less.
    const charged = forwarded.reduce(
      (sum, request) => sum + burstInputTokens + Math.min(burstOutputTokens, request.body.max_tokens ?? 0),
      0,
    );
    expect(forwarded.length).toBeGreaterThan(0);
    expect(forwarded.length).toBeLessThan(parallelCalls);
    expect(charged).toBeLessThanOrEqual(budgetTokens);
    // The rest were refused by the gateway for the budget (the first refusal stops the agent,
    // which kills its Bash step and the curls still waiting, so their statuses are not kept).
    expect(flotilla.logs.some((line) => line.includes('"msg":"agent out of budget"'))).toBe(true);

    // The CLI's own calls are charged too: the total stays within the budget, with no slack.
    expect(agent.budgetTokens).toBe(budgetTokens);
    expect(agent.spentTokens).toBeLessThanOrEqual(budgetTokens);
    expect(agent.state).toBe("out_of_budget");
    expect(agent.error).toBe("the agent spent its token budget");
  });
});
