// One model call through the gateway: parse the request, refuse what the operator does not allow,
// wait for one of the agent's call slots, reserve the call's worst case in its budget (lowering
// max_tokens to what fits), send it upstream and stream the answer back (stream-upstream.ts),
// then settle the reservation to what the call cost (before the answer's last byte, so the
// agent's next call already sees it) and record how the call ended.
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
import { runIdOfAgent } from "../store/identifiers.ts";
import type { Registration } from "./agent-tokens.ts";
import { type AnswerSummary, answerIsWhole } from "./answer-summary.ts";
import { type ApiErrorType, sendApiError } from "./api-error.ts";
import type { AgentGatewayOptions } from "./gateway-types.ts";
import { type MessagesRequest, parseMessagesRequest, withMaxTokens } from "./messages-request.ts";
import type { CallEnding, RefusalReason } from "./model-call-record.ts";
import { policyRefusal, requestPolicy } from "./request-policy.ts";
import { type ReservedCall, reserveModelCall } from "./reserve-model-call.ts";
import type { ReservingCall } from "./reserving-calls.ts";
import { costOfCall, settleModelCall } from "./settle-model-call.ts";
import { clientGoneStatus, type ModelCall, type Outcome, streamUpstream } from "./stream-upstream.ts";
import type { UpstreamTrouble } from "./upstream-trouble.ts";

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
    await conversationKept(registration, signal);
    releaseSlot = await registration.slots.acquire(signal);
  } catch (error) {
    if (!signal.aborted) throw error;
    registration.calls.record({ kind: "cut_off", status: clientGoneStatus });
    call.response.destroy();
    return { status: clientGoneStatus, responseBytes: 0 };
  }
  // Counted from before its first ask until it is settled or gives up (reserving-calls.ts).
  const reserving = registration.reserving.enter();
  try {
    const reservation = await reserveModelCall(
      options,
      registration,
      reserving,
      call.request,
      call.body.length,
      parsed.request,
      signal,
    );
    if (!reservation.ok) {
      reserving.leave("gave_up");
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
    return await forwardReservedCall(options, call, parsed.request, reservation.call, reserving, signal);
  } catch (error) {
    if (!signal.aborted) throw error;
    registration.calls.record({ kind: "cut_off", status: clientGoneStatus });
    call.response.destroy();
    return { status: clientGoneStatus, responseBytes: 0 };
  } finally {
    // A no-op once settled; otherwise the call stopped before (or without) holding anything.
    reserving.leave("gave_up");
    releaseSlot();
  }
}

async function forwardReservedCall(
  options: AgentGatewayOptions,
  call: ModelCall,
  request: MessagesRequest,
  reserved: ReservedCall,
  reserving: ReservingCall,
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
    async ({ answer, status, complete, trouble, requestSent }) => {
      const answered = status >= 200 && status < 300;
      // An agent that leaves before the status line still had its request read by the model: it
      // pays for that, or it could have any number of prompts read for free.
      const billed = answered || (status === clientGoneStatus && requestSent);
      // All bytes came is not enough: a stream that stops cleanly before its stop reason is cut off.
      const whole = complete && answer !== undefined && answerIsWhole(answer);
      const model = answer?.model ?? request.model;
      const cost = costOfCall(answer, reserved, call.body.length, model, { billed, whole });
      // The model answered if it began a message and did not fail: that is one of the agent's turns.
      const turn = answered && answer?.usage !== undefined && answer.error === undefined;
      await settleModelCall(options, registration, reserved, model, cost, turn);
      reserving.leave("settled");
      registration.calls.record(callEnding(answer, status, whole, trouble));
      if (trouble !== undefined) reportTrouble(options, registration, trouble);
    },
  );
  return streamed.outcome;
}

/** Waits until the agent's conversation is kept (agent-tokens.ts says why); rejects when `signal` aborts first. */
function conversationKept(registration: Registration, signal: AbortSignal): Promise<void> {
  const hook = registration.hooks.conversationKept;
  if (hook === undefined) return Promise.resolve();
  registration.kept ??= hook.call(registration.hooks);
  const kept = registration.kept;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    kept.then(
      () => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/** How a forwarded call ended, for the agent's call record. */
function callEnding(
  answer: AnswerSummary | undefined,
  status: number,
  whole: boolean,
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
  if (!whole || answer === undefined) return { kind: "cut_off", status };
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
