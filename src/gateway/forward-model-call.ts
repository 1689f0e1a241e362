// One model call through the gateway: parse the request, refuse what the operator does not allow,
// wait for one of the agent's call slots, reserve the call's worst case in its budget (lowering
// max_tokens to what fits), send it upstream with the real credential, stream the answer back
// chunk by chunk while reading it, then settle the reservation to what the call cost (before the
// answer's last byte, so the agent's next call already sees it) and record how the call ended.
//
// Why refusals are 400 invalid_request_error: probed against the real CLI (2.1.197) with a
// ScriptedModel turn answering each status, a 400 ends the run at once, without retries, with
// `result: "API Error: 400 <our message>"`, `is_error: true`, exit 1 (test/gateway/
// cli-refusal.test.ts keeps checking this). A 401 was retried ten times with growing delays,
// 429 and 529 likewise (minutes of retries); a 403 ended at once but read "Failed to
// authenticate. API Error: 403 …", which misleads; a 402 also ended at once but is not a status
// the API documents for this.
//
// Upstream trouble (upstream-trouble.ts) is classified per call, recorded on the call and told
// to the worker as it happens. A 429 or 5xx goes to the CLI with `x-should-retry: false`, so it
// gives up at once (docs/cli-facts.md §1) instead of retrying for minutes while holding a worker
// slot: Flotilla parks the agent and resumes it in the same session when the model is back.
import { once } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import { runIdOfAgent } from "../store/identifiers.ts";
import type { Registration } from "./agent-tokens.ts";
import type { AnswerSummary } from "./answer-summary.ts";
import { type ApiErrorType, sendApiError } from "./api-error.ts";
import type { AgentGatewayOptions } from "./gateway-types.ts";
import { JsonAnswerReader } from "./json-answer-reader.ts";
import { type MessagesRequest, parseMessagesRequest, withMaxTokens } from "./messages-request.ts";
import type { CallEnding, RefusalReason } from "./model-call-record.ts";
import { policyRefusal, requestPolicy } from "./request-policy.ts";
import { type ReservedCall, reserveModelCall } from "./reserve-model-call.ts";
import { costOfCall, settleModelCall } from "./settle-model-call.ts";
import { SseAnswerReader } from "./sse-answer-reader.ts";
import { clientResponseHeaders, sendUpstream, upstreamRequestHeaders, upstreamUrl } from "./upstream.ts";
import { classifyUpstreamAnswer, type UpstreamTrouble, unreachableTrouble } from "./upstream-trouble.ts";

export interface ModelCall {
  registration: Registration;
  request: IncomingMessage;
  response: ServerResponse;
  body: Buffer;
  /** Charged calls are checked, reserved, settled and recorded; count_tokens is only forwarded. */
  charged: boolean;
}

interface Outcome {
  status: number;
  responseBytes: number;
}

const defaultPolicy = requestPolicy([], []);

export async function forwardModelCall(options: AgentGatewayOptions, call: ModelCall): Promise<Outcome> {
  const { registration, response } = call;
  const clientGone = new AbortController();
  const onClose = () => {
    if (!response.writableFinished) clientGone.abort();
  };
  response.on("close", onClose);
  const signal = AbortSignal.any([clientGone.signal, registration.ended.signal]);
  try {
    if (!call.charged) return (await streamUpstream(options, call, call.body, signal)).outcome;
    return await forwardChargedCall(options, call, signal);
  } finally {
    response.off("close", onClose);
  }
}

async function forwardChargedCall(
  options: AgentGatewayOptions,
  call: ModelCall,
  signal: AbortSignal,
): Promise<Outcome> {
  const { registration } = call;
  const parsed = parseMessagesRequest(call.body);
  if (!parsed.ok) {
    return refuse(call, "invalid", `Flotilla: this is not a Messages API request (${parsed.problem}).`);
  }
  const refusal = policyRefusal(options.policy ?? defaultPolicy, call.request.headers, parsed.request);
  if (refusal !== undefined) return refuse(call, "policy", refusal);

  let releaseSlot: () => void;
  try {
    releaseSlot = await registration.slots.acquire(signal);
  } catch {
    registration.calls.record({ kind: "cut_off", status: clientGoneStatus });
    call.response.destroy();
    return { status: clientGoneStatus, responseBytes: 0 };
  }
  try {
    const reservation = await reserveModelCall(
      options,
      registration,
      call.request,
      call.body.length,
      parsed.request,
      signal,
    );
    if (!reservation.ok) {
      if (reservation.refusal === undefined) {
        registration.calls.record({
          kind: "failed",
          status: 502,
          errorType: "api_error",
          message: reservation.message,
        });
        sendApiError(call.response, 502, "api_error", reservation.message);
        return { status: 502, responseBytes: 0 };
      }
      if (reservation.refusal === "budget") reportExhausted(options, registration);
      return refuse(call, reservation.refusal, reservation.message);
    }
    registration.reservedCalls += 1;
    return await forwardReservedCall(options, call, parsed.request, reservation.call, signal);
  } catch (error) {
    if (!signal.aborted) throw error;
    registration.calls.record({ kind: "cut_off", status: clientGoneStatus });
    call.response.destroy();
    return { status: clientGoneStatus, responseBytes: 0 };
  } finally {
    releaseSlot();
  }
}

async function forwardReservedCall(
  options: AgentGatewayOptions,
  call: ModelCall,
  request: MessagesRequest,
  reserved: ReservedCall,
  signal: AbortSignal,
): Promise<Outcome> {
  const { registration } = call;
  const capped = withMaxTokens(request, reserved.answerTokens);
  const body = capped === request ? call.body : Buffer.from(JSON.stringify(capped));
  const streamed = await streamUpstream(
    options,
    call,
    body,
    signal,
    async (answer, status, complete, trouble) => {
      const answered = status >= 200 && status < 300;
      const model = answer?.model ?? request.model;
      const cost = costOfCall(answer, reserved, call.body.length, model, { answered, complete });
      // The model answered if it began a message and did not fail: that is one of the agent's turns.
      const turn = answered && answer?.usage !== undefined && answer.error === undefined;
      await settleModelCall(options, registration, reserved, model, cost, turn);
      registration.calls.record(callEnding(answer, status, complete, trouble));
      if (trouble !== undefined) reportTrouble(options, registration, trouble);
    },
  );
  return streamed.outcome;
}

/**
 * Sends a request upstream and streams the answer back. `settle` runs after the last upstream
 * byte and before the client's answer ends; it gets what was read of the answer.
 */
async function streamUpstream(
  options: AgentGatewayOptions,
  call: ModelCall,
  body: Buffer,
  signal: AbortSignal,
  settle?: (
    answer: AnswerSummary | undefined,
    status: number,
    complete: boolean,
    trouble: UpstreamTrouble | undefined,
  ) => Promise<void>,
): Promise<{ outcome: Outcome }> {
  const { registration, response } = call;
  let upstream: IncomingMessage;
  try {
    const url = upstreamUrl(options.upstream.baseUrl, call.request.url ?? "/");
    const headers = upstreamRequestHeaders(call.request.headers, options.upstream, body.length);
    upstream = await sendUpstream(url, call.request.method ?? "POST", headers, body, signal);
  } catch (error) {
    if (signal.aborted) {
      // The agent's CLI went away (or its registration ended) before the model answered: the
      // call was cut off by the agent's side, not failed by the model API.
      await settle?.(unreadAnswer, clientGoneStatus, false, undefined);
      response.destroy();
      return { outcome: { status: clientGoneStatus, responseBytes: 0 } };
    }
    options.log?.warn({ err: error, ...agentFields(registration.agent.id) }, "model API unreachable");
    const message = `Flotilla could not reach the model API: ${String(error)}`;
    await settle?.(
      { ...unreadAnswer, error: { type: "api_error", message } },
      502,
      false,
      unreachableTrouble(error),
    );
    sendApiError(response, 502, "api_error", message, noRetries);
    return { outcome: { status: 502, responseBytes: 0 } };
  }
  const status = upstream.statusCode ?? 502;
  const isStream = String(upstream.headers["content-type"] ?? "").includes("text/event-stream");
  const reader = settle === undefined ? undefined : isStream ? new SseAnswerReader() : new JsonAnswerReader();
  const headers = clientResponseHeaders(upstream.headers);
  response.writeHead(status, status === 429 || status >= 500 ? { ...headers, ...noRetries } : headers);
  response.flushHeaders();
  let responseBytes = 0;
  let complete = false;
  let brokenOff: unknown;
  try {
    for await (const chunk of upstream) {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      responseBytes += bytes.length;
      reader?.push(bytes);
      if (!response.write(bytes)) await once(response, "drain", { signal });
    }
    complete = true;
  } catch (error) {
    options.log?.info({ err: error, ...agentFields(registration.agent.id) }, "model call cut short");
    // Cut short by the model API's side, not by the agent going away or its registration ending.
    if (!signal.aborted && !upstream.complete) brokenOff = error;
  }
  reader?.end();
  const summary = reader?.summary;
  const trouble =
    classifyUpstreamAnswer(status, upstream.headers, summary?.error, Date.now()) ??
    (brokenOff === undefined ? undefined : unreachableTrouble(brokenOff));
  await settle?.(summary, status, complete, trouble);
  if (complete) response.end();
  else response.destroy();
  return { outcome: { status, responseBytes } };
}

/** A call the agent's side gave up before its answer ended (nginx's "client closed request"). */
const clientGoneStatus = 499;

/** Tells the CLI not to retry: Flotilla parks the agent instead (see the top of this file). */
const noRetries = { "x-should-retry": "false" };

const unreadAnswer: AnswerSummary = {
  usage: undefined,
  model: undefined,
  stopReason: undefined,
  text: "",
  textTruncated: false,
  error: undefined,
  contentChars: 0,
};

/** How a forwarded call ended, for the agent's call record. */
function callEnding(
  answer: AnswerSummary | undefined,
  status: number,
  complete: boolean,
  trouble: UpstreamTrouble | undefined,
): CallEnding {
  if (status === clientGoneStatus) return { kind: "cut_off", status };
  if (answer?.error !== undefined) {
    return { kind: "failed", status, errorType: answer.error.type, message: answer.error.message, trouble };
  }
  if (status < 200 || status >= 300) {
    return { kind: "failed", status, errorType: `http_${status}`, message: "", trouble };
  }
  if (trouble !== undefined)
    return { kind: "failed", status, errorType: "connection", message: trouble.message, trouble };
  if (!complete || answer === undefined) return { kind: "cut_off", status };
  return {
    kind: "answered",
    status,
    stopReason: answer.stopReason,
    text: answer.text,
    textTruncated: answer.textTruncated,
  };
}

/** Answers a call the gateway does not forward, and records why. */
function refuse(call: ModelCall, reason: RefusalReason, message: string): Outcome {
  call.registration.calls.record({ kind: "refused", reason, message });
  const type: ApiErrorType = "invalid_request_error";
  sendApiError(call.response, 400, type, message);
  return { status: 400, responseBytes: 0 };
}

function reportTrouble(
  options: AgentGatewayOptions,
  registration: Registration,
  trouble: UpstreamTrouble,
): void {
  options.log?.warn({ ...agentFields(registration.agent.id), trouble }, "model API trouble");
  try {
    options.onUpstreamTrouble?.({
      agentId: registration.agent.id,
      installationId: registration.agent.installationId,
      trouble,
    });
  } catch (error) {
    options.log?.error({ err: error, ...agentFields(registration.agent.id) }, "onUpstreamTrouble failed");
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

/** The ids every log line about an agent carries. */
function agentFields(agentId: string): { runId: string; agentId: string } {
  return { runId: runIdOfAgent(agentId), agentId };
}
