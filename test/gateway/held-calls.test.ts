// The gateway holds an agent's model calls until its conversation is kept (worker/session-keeper.ts
// says why): nothing reaches the model before, the worker is asked once, and a call held when the
// agent's token ends is cut off unsent and uncharged.
import { describe, expect, it } from "vitest";
import { clientGoneStatus } from "../../src/gateway/stream-upstream.ts";
import {
  countAnswer,
  fixture,
  gateway,
  messagesBody,
  newAgent,
  post,
  spent,
  traffic,
  upstream,
  useGatewayHarness,
} from "../support/gateway-harness.ts";
import { waitFor } from "../support/wait-for.ts";

useGatewayHarness();

/** A conversation the test keeps by hand, counting how often the gateway asked about it. */
function keptByHand() {
  let keep = () => {};
  const kept = new Promise<void>((resolve) => {
    keep = resolve;
  });
  const asked = { count: 0 };
  return {
    keep,
    asked,
    hooks: {
      conversationKept: () => {
        asked.count += 1;
        return kept;
      },
    },
  };
}

describe("calls held until the conversation is kept", () => {
  it("forwards no call before the conversation is kept, then every call", async () => {
    const conversation = keptByHand();
    const { id, credential } = await newAgent(1_000_000, 0, conversation.hooks);
    const answers = [
      post(credential, "/v1/messages", messagesBody(1_000)),
      post(credential, "/v1/messages", messagesBody(1_000)),
    ];
    await waitFor(() => conversation.asked.count > 0 || undefined, { what: "the gateway to ask" });
    // A free call is not held: the proof that the gateway has served the agent meanwhile.
    upstream.queue(countAnswer(12));
    expect((await post(credential, "/v1/messages/count_tokens", messagesBody(1_000))).status).toBe(200);
    expect(upstream.requests.map((request) => request.url)).toEqual(["/v1/messages/count_tokens"]);
    expect((await spent(id)).spentTokens).toBe(0);

    upstream.queue({ body: fixture("docs-basic-text.sse") }, { body: fixture("docs-basic-text.sse") });
    conversation.keep();
    // Read to the end: a call whose answer is still streaming when the test ends would be
    // reported (to the next test's traffic) only when its gateway stops.
    const ended = await Promise.all(
      answers.map(async (answer) => {
        const response = await answer;
        return { status: response.status, text: await response.text() };
      }),
    );
    expect(ended.map((answer) => answer.status)).toEqual([200, 200]);
    expect(ended.every((answer) => answer.text.includes("message_stop"))).toBe(true);
    expect(upstream.requests.filter((request) => request.url === "/v1/messages")).toHaveLength(2);
    expect(conversation.asked.count).toBe(1);
  });

  it("cuts off a held call when the agent's token ends, sending and charging nothing", async () => {
    const conversation = keptByHand();
    const { id, credential } = await newAgent(1_000_000, 0, conversation.hooks);
    const answer = post(credential, "/v1/messages", messagesBody(1_000));
    await waitFor(() => conversation.asked.count > 0 || undefined, { what: "the gateway to ask" });
    const summary = await gateway.unregister(credential.token);
    expect(summary).toMatchObject({ calls: 1, last: { kind: "cut_off" } });
    await answer.then((response) => response.arrayBuffer()).catch(() => undefined);
    expect(upstream.requests).toEqual([]);
    expect(await spent(id)).toMatchObject({ spentTokens: 0, reservedTokens: 0 });
    expect(traffic.filter((event) => event.endpoint === "messages").map((event) => event.status)).toEqual([
      clientGoneStatus,
    ]);
  });
});
