// When a model call ends, its reservation is settled to what it cost: exactly the answer's usage
// when the answer is whole (it gave its stop reason, or an error event: the API said what it
// billed), or an estimate when it was cut off (the agent's side leaving before the status line
// included, once the model had its request), never more than was reserved. Server tool requests are charged
// on top (model-prices.ts). The agent's day total and metrics are told; the caller then tells the
// calls waiting for room (reserving-calls.ts).
import { runIdOfAgent } from "../store/identifiers.ts";
import type { Registration } from "./agent-tokens.ts";
import type { AnswerSummary } from "./answer-summary.ts";
import type { AgentGatewayOptions, ChargeEvent } from "./gateway-types.ts";
import { chargedTokens, emptyUsage, type MessageUsage } from "./message-usage.ts";
import { costOfUsage, serverToolTokens } from "./model-prices.ts";
import type { ReservedCall } from "./reserve-model-call.ts";

/**
 * An estimate for output the gateway saw streamed but not counted (the answer was cut off before
 * its final usage): one token per three characters of text, tool input and thinking, which is
 * more tokens than English or code take.
 */
const estimatedCharsPerToken = 3;

export interface CallCost {
  usage: MessageUsage;
  tokens: number;
  /** False when the usage is what the API reported for a whole answer. */
  estimated: boolean;
}

/**
 * What a forwarded call cost. `billed`: upstream answered 2xx, or had the whole request when the
 * agent went away; `whole`: all of the answer came and it reached its end (answerIsWhole).
 */
export function costOfCall(
  answer: AnswerSummary | undefined,
  call: ReservedCall,
  requestBytes: number,
  model: string,
  outcome: { billed: boolean; whole: boolean },
): CallCost {
  // An error status is not billed.
  if (!outcome.billed) return { usage: emptyUsage, tokens: 0, estimated: false };
  const measured = answer?.usage;
  if (measured !== undefined && outcome.whole) {
    return {
      usage: measured,
      tokens: chargedTokens(measured) + serverToolTokens(model, measured),
      estimated: false,
    };
  }
  // Cut off: the input as the API reported it (or, before it said anything, as counted, or one
  // token per four bytes of request, what it will have billed at least), and the output streamed.
  const input = measured ?? {
    ...emptyUsage,
    inputTokens: call.inputCounted
      ? call.inputTokens
      : Math.min(call.inputTokens, Math.ceil(requestBytes / 4)),
  };
  const streamedOutput = Math.ceil((answer?.contentChars ?? 0) / estimatedCharsPerToken);
  const usage = {
    ...input,
    outputTokens: Math.min(call.answerTokens, Math.max(input.outputTokens, streamedOutput)),
  };
  const tokens = Math.min(call.reservedTokens, chargedTokens(usage) + serverToolTokens(model, usage));
  return { usage, tokens, estimated: true };
}

export async function settleModelCall(
  options: AgentGatewayOptions,
  registration: Registration,
  call: ReservedCall,
  model: string,
  cost: CallCost,
  answered: boolean,
): Promise<void> {
  const { agent } = registration;
  const fields = { runId: runIdOfAgent(agent.id), agentId: agent.id };
  try {
    const { costUsd, priceKnown } = costOfUsage(model, cost.usage);
    const [result] = await Promise.all([
      options.ledger.settleCall(agent.id, call.reservationId, { tokens: cost.tokens, costUsd, answered }),
      cost.tokens > 0 ? options.ledger.chargeDaily(agent.installationId, cost.tokens) : undefined,
    ]);
    if (cost.tokens > call.reservedTokens) {
      options.log?.warn(
        { ...fields, tokens: cost.tokens, reservedTokens: call.reservedTokens },
        "a model call cost more than its reservation",
      );
    }
    if (!priceKnown)
      options.log?.warn({ ...fields, model }, "model not in the price table: priced as the most expensive");
    if (cost.tokens > 0 || costUsd > 0) {
      const event: ChargeEvent = {
        agentId: agent.id,
        installationId: agent.installationId,
        model,
        usage: cost.usage,
        tokens: cost.tokens,
        costUsd,
        priceKnown,
        estimated: cost.estimated,
        remainingTokens: result.remainingTokens,
      };
      options.onCharge?.(event);
    }
  } catch (error) {
    options.log?.error({ err: error, ...fields, tokens: cost.tokens }, "could not settle a model call");
  }
}
