// One model call through the gateway: refuse it when the agent's budget is spent, lower its
// max_tokens to what is left, send it upstream with the real credential, stream the answer back
// chunk by chunk as it arrives while reading its usage, then charge the agent exactly (before the
// answer's last byte, so the agent's next call already sees the charge).
//
// Why the refusal is a 400 invalid_request_error: probed against the real CLI (2.1.197) with a
// ScriptedModel turn answering each status, a 400 ends the run at once, without retries, with
// `result: "API Error: 400 <our message>"`, `is_error: true`, exit 1 (test/gateway/
// cli-refusal.test.ts keeps checking this). A 401 was retried ten times with growing delays,
// 429 and 529 likewise (minutes of retries); a 403 ended at once but read "Failed to
// authenticate. API Error: 403 …", which misleads; a 402 also ended at once but is not a status
// the API documents for this.
import { once } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import { runIdOfAgent } from "../store/identifiers.ts";
import type { Registration } from "./agent-tokens.ts";
import { sendApiError } from "./api-error.ts";
import { capMaxTokens, type MessagesRequestBody } from "./cap-max-tokens.ts";
import type { AgentGatewayOptions, ChargeEvent } from "./gateway-types.ts";
import { JsonUsageReader } from "./json-usage-reader.ts";
import { chargedTokens, emptyUsage, type MessageUsage } from "./message-usage.ts";
import { costOfUsage } from "./model-prices.ts";
import { SseUsageReader } from "./sse-usage-reader.ts";
import { clientResponseHeaders, sendUpstream, upstreamRequestHeaders, upstreamUrl } from "./upstream.ts";

export interface ModelCall {
  registration: Registration;
  request: IncomingMessage;
  response: ServerResponse;
  body: Buffer;
  /** Charged calls are budget-checked, capped and charged; count_tokens is only forwarded. */
  charged: boolean;
}

interface Outcome {
  status: number;
  responseBytes: number;
}

export async function forwardModelCall(options: AgentGatewayOptions, call: ModelCall): Promise<Outcome> {
  const { registration, response } = call;
  let body = call.body;
  let parsed: MessagesRequestBody | undefined;
  let promisedTokens = 0;
  if (call.charged) {
    await Promise.allSettled([...registration.pendingCharges]);
    const budget = await options.ledger.snapshot(registration.agent.id);
    if (budget === undefined) {
      sendApiError(response, 400, "invalid_request_error", "Flotilla has no budget record for this agent.");
      return { status: 400, responseBytes: 0 };
    }
    if (budget.remainingTokens <= 0) {
      reportExhausted(options, registration);
      const held =
        budget.childCommittedTokens > 0
          ? `, and ${count(budget.childCommittedTokens)} are held by its sub-agents`
          : "";
      sendApiError(
        response,
        400,
        "invalid_request_error",
        `Flotilla: this agent is out of budget: it spent ${count(budget.spentTokens)} of ${count(budget.budgetTokens)} tokens${held}. It is being stopped; its work so far is kept, and it can be continued with more budget.`,
      );
      return { status: 400, responseBytes: 0 };
    }
    parsed = parseBody(body);
    if (parsed !== undefined) {
      if (capMaxTokens(parsed, budget.remainingTokens - registration.inFlightTokens)) {
        body = Buffer.from(JSON.stringify(parsed));
      }
      promisedTokens = typeof parsed.max_tokens === "number" ? parsed.max_tokens : 0;
    }
  }

  registration.inFlightTokens += promisedTokens;
  const abort = new AbortController();
  const onClientGone = () => {
    if (!response.writableFinished) abort.abort();
  };
  response.on("close", onClientGone);
  try {
    let upstream: IncomingMessage;
    try {
      const url = upstreamUrl(options.upstream.baseUrl, call.request.url ?? "/");
      const headers = upstreamRequestHeaders(call.request.headers, options.upstream, body.length);
      upstream = await sendUpstream(url, call.request.method ?? "POST", headers, body, abort.signal);
    } catch (error) {
      options.log?.warn({ err: error, ...agentFields(registration.agent.id) }, "model API unreachable");
      sendApiError(response, 502, "api_error", `Flotilla could not reach the model API: ${String(error)}`);
      return { status: 502, responseBytes: 0 };
    }
    const status = upstream.statusCode ?? 502;
    const contentType = String(upstream.headers["content-type"] ?? "");
    const reader =
      status >= 200 && status < 300 && call.charged
        ? contentType.includes("text/event-stream")
          ? new SseUsageReader()
          : new JsonUsageReader()
        : undefined;
    response.writeHead(status, clientResponseHeaders(upstream.headers));
    response.flushHeaders();
    let responseBytes = 0;
    let complete = false;
    try {
      for await (const chunk of upstream) {
        const bytes = chunk as Buffer;
        responseBytes += bytes.length;
        reader?.push(bytes);
        if (!response.write(bytes)) await once(response, "drain", { signal: abort.signal });
      }
      complete = true;
    } catch (error) {
      options.log?.info({ err: error, ...agentFields(registration.agent.id) }, "model call cut short");
    }
    if (reader !== undefined) {
      reader.end();
      const model = reader.model ?? (typeof parsed?.model === "string" ? parsed.model : "unknown");
      const charge = chargeCall(options, registration, model, reader.usage, call.body.length, complete);
      registration.pendingCharges.add(charge);
      await charge;
      registration.pendingCharges.delete(charge);
    }
    if (complete) response.end();
    else response.destroy();
    return { status, responseBytes };
  } finally {
    registration.inFlightTokens -= promisedTokens;
    response.off("close", onClientGone);
  }
}

async function chargeCall(
  options: AgentGatewayOptions,
  registration: Registration,
  model: string,
  measured: MessageUsage | undefined,
  requestBytes: number,
  complete: boolean,
): Promise<void> {
  const { agent } = registration;
  // Without usage (an answer cut off before message_start, or not JSON), charge the input as
  // roughly one token per four bytes of request: what the API will have billed at least.
  const usage = measured ?? { ...emptyUsage, inputTokens: Math.ceil(requestBytes / 4) };
  const tokens = chargedTokens(usage);
  const { costUsd, priceKnown } = costOfUsage(model, usage);
  try {
    const [result] = await Promise.all([
      options.ledger.charge(agent.id, tokens, costUsd),
      options.ledger.chargeDaily(agent.installationId, tokens),
    ]);
    const event: ChargeEvent = {
      agentId: agent.id,
      installationId: agent.installationId,
      model,
      usage,
      tokens,
      costUsd,
      priceKnown,
      estimated: measured === undefined || !complete,
      remainingTokens: result.remainingTokens,
    };
    options.onCharge?.(event);
    if (!priceKnown)
      options.log?.warn(
        { ...agentFields(agent.id), model },
        "model not in the price table: priced as the most expensive",
      );
    if (result.exhausted) reportExhausted(options, registration);
  } catch (error) {
    options.log?.error({ err: error, ...agentFields(agent.id), tokens }, "could not charge a model call");
  }
}

function reportExhausted(options: AgentGatewayOptions, registration: Registration): void {
  if (registration.exhaustionReported) return;
  registration.exhaustionReported = true;
  options.log?.info({ ...agentFields(registration.agent.id) }, "agent out of budget");
  try {
    registration.hooks.onBudgetExhausted(registration.agent.id);
  } catch (error) {
    options.log?.error({ err: error, ...agentFields(registration.agent.id) }, "onBudgetExhausted failed");
  }
}

function parseBody(body: Buffer): MessagesRequestBody | undefined {
  try {
    const value: unknown = JSON.parse(body.toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as MessagesRequestBody)
      : undefined;
  } catch {
    return undefined;
  }
}

function count(tokens: number): string {
  return tokens.toLocaleString("en-US");
}

/** The ids every log line about an agent carries. */
function agentFields(agentId: string): { runId: string; agentId: string } {
  return { runId: runIdOfAgent(agentId), agentId };
}
