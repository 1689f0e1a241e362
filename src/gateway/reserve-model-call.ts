// Before a model call is forwarded, its worst case is reserved in the agent's budget: an upper
// bound of its input plus the answer it may give (its max_tokens, lowered to what fits). The bound
// comes from the request's size (input-bound.ts); when that does not fit, or the request has no
// bound from size, the API's count_tokens gives the exact input. A call is refused only when not
// even a small answer fits what is left; while other calls of the same agent hold or ask for
// reservations, it waits for room to be freed first (reserving-calls.ts), since they usually cost
// less than they hold.
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { CallReservation } from "../store/budget-store.ts";
import type { Registration } from "./agent-tokens.ts";
import { countInputTokens } from "./count-input-tokens.ts";
import type { AgentGatewayOptions } from "./gateway-types.ts";
import { inputTokenBound } from "./input-bound.ts";
import type { MessagesRequest } from "./messages-request.ts";
import type { RefusalReason } from "./model-call-record.ts";
import type { ReservingCall } from "./reserving-calls.ts";

/** The smallest answer worth a call: a short final answer, or one tool call with a short input. */
const defaultMinimumAnswerTokens = 256;

export interface ReservedCall {
  reservationId: string;
  /** The input tokens reserved: an upper bound, or the exact count when `inputCounted`. */
  inputTokens: number;
  inputCounted: boolean;
  /** The answer reserved: the request's max_tokens, lowered to it when it asked for more. */
  answerTokens: number;
  reservedTokens: number;
}

export type Reservation =
  | { ok: true; call: ReservedCall }
  | { ok: false; refusal: RefusalReason; message: string }
  | { ok: false; refusal: undefined; message: string };

export async function reserveModelCall(
  options: AgentGatewayOptions,
  registration: Registration,
  reserving: ReservingCall,
  clientRequest: IncomingMessage,
  bodyBytes: number,
  request: MessagesRequest,
  signal: AbortSignal,
): Promise<Reservation> {
  const agentId = registration.agent.id;
  const minimumAnswerTokens = options.minimumAnswerTokens ?? defaultMinimumAnswerTokens;
  const reserve = async (inputTokens: number) => {
    const reservationId = randomUUID();
    for (;;) {
      const mark = reserving.mark();
      const reply = await options.ledger.reserveCall(agentId, {
        reservationId,
        inputTokens,
        wantedAnswerTokens: request.max_tokens,
        minimumAnswerTokens,
      });
      if (reply.granted || !heldByCalls(reply)) return { reservationId, reply };
      if (!(await reserving.waitForRoom(mark, signal))) return { reservationId, reply };
    }
  };

  const bound = inputTokenBound(bodyBytes, request);
  let attempt = bound.bounded ? await reserve(bound.tokens) : undefined;
  const smallestAnswer = Math.min(minimumAnswerTokens, request.max_tokens);
  // Counting helps when the bound lowered the answer or left no room for one, unless not even
  // the smallest answer would fit without any input.
  const needsCount =
    attempt === undefined ||
    (attempt.reply.granted
      ? attempt.reply.answerTokens < request.max_tokens
      : attempt.reply.reason === "budget" && attempt.reply.snapshot.remainingTokens >= smallestAnswer);
  let inputCounted = false;
  if (needsCount) {
    const count = await countInputTokens(
      options.upstream,
      clientRequest.headers,
      clientRequest.url ?? "/",
      request,
      signal,
    );
    if (count.counted) {
      if (attempt?.reply.granted) {
        // The bound lowered the answer: give its reservation back and reserve the exact input.
        await options.ledger.settleCall(agentId, attempt.reservationId, {
          tokens: 0,
          costUsd: 0,
          answered: false,
        });
        reserving.gaveBack();
      }
      attempt = await reserve(count.inputTokens);
      inputCounted = true;
    } else {
      options.log?.warn({ agentId, why: count.why }, "could not count a request's input tokens");
      if (attempt === undefined) {
        return {
          ok: false,
          refusal: undefined,
          message: `Flotilla could not size this request before sending it (${bound.bounded ? "" : `${bound.why}; `}${count.why}). Try again.`,
        };
      }
    }
  }
  if (attempt === undefined) throw new Error("unreachable: a reservation was attempted");
  const { reservationId, reply } = attempt;
  if (reply.granted) {
    return {
      ok: true,
      call: {
        reservationId,
        inputTokens: reply.reservedTokens - reply.answerTokens,
        inputCounted,
        answerTokens: reply.answerTokens,
        reservedTokens: reply.reservedTokens,
      },
    };
  }
  if (reply.reason === "turns") {
    const inFlight = reply.inFlight > 0 ? ` (and ${reply.inFlight} in flight)` : "";
    return {
      ok: false,
      refusal: "turns",
      message: `Flotilla: this agent has reached its turn limit: the model answered ${count(reply.turns)} of its calls${inFlight}, and its limit is ${count(reply.maxTurns)} over all its sessions. Its work so far is kept; it can be retried or continued.`,
    };
  }
  const { snapshot } = reply;
  const held =
    snapshot.childCommittedTokens > 0
      ? `, and ${count(snapshot.childCommittedTokens)} are held by its sub-agents`
      : "";
  return {
    ok: false,
    refusal: "budget",
    message: `Flotilla: this agent is out of budget: it spent ${count(snapshot.spentTokens)} of ${count(snapshot.budgetTokens)} tokens${held}, and this call needs at least ${count(smallestAnswer)} tokens of answer on top of its input. It is being stopped; its work so far is kept, and it can be continued with more budget.`,
  };
}

/** A refusal that calls in flight may have caused: their settlement may free enough. */
function heldByCalls(reply: CallReservation): boolean {
  return !reply.granted && reply.reason === "budget" && reply.snapshot.reservedTokens > 0;
}

function count(tokens: number): string {
  return tokens.toLocaleString("en-US");
}
