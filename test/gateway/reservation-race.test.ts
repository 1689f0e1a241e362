// Interleavings of one agent's parallel calls around its budget reservations, forced one step at a
// time: the ledger is the real BudgetStore on a real Redis, seen through a gate that can hold a
// reply or a settlement in flight (as a slow Redis reply or a long answer would), and upstream is
// the stand-in model API, which can hold a count_tokens answer. Each case once made the gateway
// refuse a call that fits, stopping the agent as out of budget, or park it behind a long answer.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type AgentCredential, AgentGateway } from "../../src/gateway/agent-gateway.ts";
import { apiOverheadTokens } from "../../src/gateway/input-bound.ts";
import {
  BudgetStore,
  type CallReservation,
  type CallReservationRequest,
  type CallSettlement,
} from "../../src/store/budget-store.ts";
import { RunStore } from "../../src/store/run-store.ts";
import { makeNewAgent } from "../support/agent-record.ts";
import { useTestRedis } from "../support/test-redis.ts";
import { UpstreamStub } from "../support/upstream-stub.ts";
import { waitFor } from "../support/wait-for.ts";

const testRedis = useTestRedis();
const budgets = new BudgetStore(testRedis.redis, testRedis.keys);
const runs = new RunStore(testRedis.redis, testRedis.keys);

/** A promise the test resolves by hand. */
function gate() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/** The real ledger, with replies the test can hold between Redis and the gateway. */
class GatedLedger {
  readonly replies: CallReservation[] = [];
  /** Holds the next granted reservation's reply until opened. */
  private grantGate: { reached: () => void; opened: Promise<void> } | undefined;
  /** While set, every settlement that charges tokens waits for it (give-backs charge none). */
  private settleGate: Promise<void> | undefined;

  holdNextGrant(): { reached: Promise<void>; open: () => void } {
    const reached = gate();
    const release = gate();
    this.grantGate = { reached: reached.open, opened: release.opened };
    return { reached: reached.opened, open: release.open };
  }

  holdSettlements(): () => void {
    const release = gate();
    this.settleGate = release.opened;
    return () => {
      this.settleGate = undefined;
      release.open();
    };
  }

  async reserveCall(agentId: string, request: CallReservationRequest): Promise<CallReservation> {
    const reply = await budgets.reserveCall(agentId, request);
    this.replies.push(reply);
    const held = reply.granted ? this.grantGate : undefined;
    if (held !== undefined) {
      this.grantGate = undefined;
      held.reached();
      await held.opened;
    }
    return reply;
  }

  async settleCall(agentId: string, reservationId: string | undefined, settlement: CallSettlement) {
    if (settlement.tokens > 0) await this.settleGate;
    return budgets.settleCall(agentId, reservationId, settlement);
  }

  chargeDaily(installationId: number, tokens: number): Promise<number> {
    return budgets.chargeDaily(installationId, tokens);
  }

  get refusals(): number {
    return this.replies.filter((reply) => !reply.granted).length;
  }
}

const basicAnswer = [
  'event: message_start\ndata: {"type":"message_start","message":{"model":"claude-opus-4-7","stop_reason":null,"usage":{"input_tokens":25,"output_tokens":1}}}\n\n',
  'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n',
  'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}\n\n',
  'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":15}}\n\n',
  'event: message_stop\ndata: {"type":"message_stop"}\n\n',
].join("");
/** What `basicAnswer` costs. */
const answerTokens = 25 + 15;

let upstream: UpstreamStub;
let ledger: GatedLedger;
let gateway: AgentGateway;
let exhausted: string[];
let agentCounter = 0;

beforeAll(async () => {
  upstream = new UpstreamStub();
  await upstream.start();
});
afterAll(() => upstream.stop());
beforeEach(async () => {
  upstream.reset();
  exhausted = [];
  ledger = new GatedLedger();
  gateway = new AgentGateway({
    upstream: { baseUrl: upstream.url, apiKey: "sk-ant-real-key", oauthToken: undefined },
    ledger,
  });
  await gateway.start();
});
afterEach(() => gateway.stop());

async function newAgent(budgetTokens: number): Promise<{ id: string; credential: AgentCredential }> {
  agentCounter += 1;
  const id = `rrace/agent-${agentCounter}`;
  await runs.addAgent({ ...makeNewAgent("rrace", `agent-${agentCounter}`), budgetTokens, maxTurns: 100 });
  const credential = gateway.register(
    { id, installationId: 7 },
    { onBudgetExhausted: (agentId) => exhausted.push(agentId) },
  );
  return { id, credential };
}

function messagesBody(maxTokens: number, system?: string): string {
  return JSON.stringify({
    model: "claude-opus-4-7",
    max_tokens: maxTokens,
    stream: true,
    ...(system === undefined ? {} : { system }),
    messages: [{ role: "user", content: "Hello" }],
  });
}

/** The input bound the gateway reserves for a body without images. */
const boundOf = (body: string) => Buffer.byteLength(body) + apiOverheadTokens;

async function post(credential: AgentCredential, body: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`${credential.baseUrl}/v1/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": credential.token },
    body,
  });
  return { status: response.status, text: await response.text() };
}

/** A count_tokens answer, held before its status line until the test releases it. */
const heldCount = (inputTokens: number) => ({
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ input_tokens: inputTokens }),
  holdBeforeHeaders: true,
});

/**
 * Sends A, whose count_tokens answer the stand-in holds (A holds its size-bound reservation
 * meanwhile), then B, and returns once B's first ask has been refused.
 */
async function refusedWhileCounting(credential: AgentCredential, aBody: string, bBody: string) {
  const counting = upstream.nextHold();
  const a = post(credential, aBody);
  await counting;
  const b = post(credential, bBody);
  await waitFor(() => ledger.refusals === 1, { what: "B's first ask to be refused" });
  return { a, b };
}

const messagesRequests = () => upstream.requests.filter((request) => request.url === "/v1/messages");

describe("calls racing for one agent's budget", () => {
  it("lets a call wait while a sibling holds a size-bound reservation and counts its exact input", async () => {
    // A's bound leaves it only part of its answer, so it counts its input, holding the bound
    // meanwhile; B, asking then, finds no room. A's exact input leaves room for both.
    const small = messagesBody(1_000);
    const large = messagesBody(4_000, "y".repeat(6_000));
    const countedInput = 1_500;
    const budget = boundOf(small) + 1_000 + countedInput + 4_000 + 500;
    expect(budget - boundOf(large)).toBeGreaterThanOrEqual(256);
    expect(budget - boundOf(large)).toBeLessThan(4_000);
    const { id, credential } = await newAgent(budget);
    upstream.queue(heldCount(countedInput), { body: basicAnswer }, { body: basicAnswer });
    const { a, b } = await refusedWhileCounting(credential, large, small);
    upstream.releaseHeld();
    expect((await b).status).toBe(200);
    expect((await a).status).toBe(200);
    expect(exhausted).toEqual([]);
    expect(await budgets.snapshot(id)).toMatchObject({ spentTokens: 2 * answerTokens, reservedTokens: 0 });
  });

  it("lets a call wait while a sibling's grant is on its way back from the ledger", async () => {
    // B's reservation takes all but a few tokens in Redis; its reply is still on the way when C
    // is refused. C fits once B's answer is settled.
    const body = messagesBody(1_000);
    const budget = 2 * (boundOf(body) + 1_000) - 1_000 + answerTokens + 100;
    const wanted = budget - boundOf(body) - 100;
    const fitted = messagesBody(wanted);
    const { id, credential } = await newAgent(budget);
    upstream.queue({ body: basicAnswer }, { body: basicAnswer });
    const grant = ledger.holdNextGrant();
    const b = post(credential, fitted);
    await grant.reached;
    const c = post(credential, fitted);
    await waitFor(() => ledger.refusals === 1, { what: "C's first ask to be refused" });
    grant.open();
    expect((await b).status).toBe(200);
    const second = await c;
    expect(second).toMatchObject({ status: 200 });
    expect(exhausted).toEqual([]);
    expect(await budgets.snapshot(id)).toMatchObject({ spentTokens: 2 * answerTokens, reservedTokens: 0 });
  });

  it("wakes a waiting call when a sibling gives its size-bound reservation back, not only when a call is settled", async () => {
    // C holds a reservation while its settlement is held (as a long answer would); A holds its
    // bound while it counts; B is refused and waits. A's give-back makes room for B, which must
    // not wait for C.
    const small = messagesBody(1_000);
    const large = messagesBody(4_000, "y".repeat(6_000));
    const countedInput = 1_500;
    const smallReserved = boundOf(small) + 1_000;
    const budget = 2 * smallReserved + countedInput + 4_000 + 500;
    expect(budget - smallReserved - boundOf(large)).toBeGreaterThanOrEqual(256);
    expect(budget - smallReserved - boundOf(large)).toBeLessThan(4_000);
    const { id, credential } = await newAgent(budget);
    const releaseSettlements = ledger.holdSettlements();
    try {
      upstream.queue(
        { body: basicAnswer },
        heldCount(countedInput),
        { body: basicAnswer },
        { body: basicAnswer },
      );
      const c = post(credential, small);
      await waitFor(() => messagesRequests().length === 1, { what: "C to reach the model" });
      const { a, b } = await refusedWhileCounting(credential, large, small);
      upstream.releaseHeld();
      await waitFor(() => messagesRequests().length === 3, {
        what: "A and B to reach the model while C's settlement is held",
        timeoutMs: 5_000,
      });
      releaseSettlements();
      expect((await Promise.all([a, b, c])).map((answer) => answer.status)).toEqual([200, 200, 200]);
      expect(exhausted).toEqual([]);
      expect(await budgets.snapshot(id)).toMatchObject({ spentTokens: 3 * answerTokens, reservedTokens: 0 });
    } finally {
      releaseSettlements();
    }
  });
});
