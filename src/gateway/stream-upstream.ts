// Sends one model call upstream with the real credential and streams the answer back to the
// agent chunk by chunk, reading it as it passes (SSE or JSON); then tells the caller what it saw
// (the answer so far, the status, whether every byte came and whether the whole request had
// gone out), before the agent's answer ends. It charges and records nothing itself.
import { once } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import { runIdOfAgent } from "../store/identifiers.ts";
import type { Registration } from "./agent-tokens.ts";
import type { AnswerSummary } from "./answer-summary.ts";
import { sendApiError } from "./api-error.ts";
import type { AgentGatewayOptions } from "./gateway-types.ts";
import { JsonAnswerReader } from "./json-answer-reader.ts";
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

export interface Outcome {
  status: number;
  responseBytes: number;
}

/** What streamUpstream saw of a call, for its settlement. */
export interface UpstreamEnd {
  answer: AnswerSummary | undefined;
  status: number;
  /** Every byte of the HTTP answer came. */
  complete: boolean;
  trouble: UpstreamTrouble | undefined;
  /** The whole request was handed to the network. */
  requestSent: boolean;
}

/**
 * Sends a request upstream and streams the answer back. `settle` runs after the last upstream
 * byte and before the client's answer ends; it gets what was read of the answer.
 */
export async function streamUpstream(
  options: AgentGatewayOptions,
  call: ModelCall,
  body: Buffer,
  signal: AbortSignal,
  settle?: (end: UpstreamEnd) => Promise<void>,
): Promise<{ outcome: Outcome }> {
  const { registration, response } = call;
  let upstream: IncomingMessage;
  let requestSent = false;
  try {
    const url = upstreamUrl(options.upstream.baseUrl, call.request.url ?? "/");
    const headers = upstreamRequestHeaders(call.request.headers, options.upstream, body.length);
    upstream = await sendUpstream(url, call.request.method ?? "POST", headers, body, signal, () => {
      requestSent = true;
    });
  } catch (error) {
    if (signal.aborted) {
      // The agent's CLI went away (or its registration ended) before the model answered: the
      // call was cut off by the agent's side, not failed by the model API.
      await settle?.({
        answer: unreadAnswer,
        status: clientGoneStatus,
        complete: false,
        trouble: undefined,
        requestSent,
      });
      response.destroy();
      return { outcome: { status: clientGoneStatus, responseBytes: 0 } };
    }
    options.log?.warn({ err: error, ...logFields(registration.agent.id) }, "model API unreachable");
    const message = `Flotilla could not reach the model API: ${String(error)}`;
    await settle?.({
      answer: { ...unreadAnswer, error: { type: "api_error", message } },
      status: 502,
      complete: false,
      trouble: unreachableTrouble(error),
      requestSent,
    });
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
    options.log?.info({ err: error, ...logFields(registration.agent.id) }, "model call cut short");
    // Cut short by the model API's side, not by the agent going away or its registration ending.
    if (!signal.aborted && !upstream.complete) brokenOff = error;
  }
  reader?.end();
  const summary = reader?.summary;
  const trouble =
    classifyUpstreamAnswer(status, upstream.headers, summary?.error, Date.now()) ??
    (brokenOff === undefined ? undefined : unreachableTrouble(brokenOff));
  await settle?.({ answer: summary, status, complete, trouble, requestSent });
  if (complete) response.end();
  else response.destroy();
  return { outcome: { status, responseBytes } };
}

/** A call the agent's side gave up before its answer ended (nginx's "client closed request"). */
export const clientGoneStatus = 499;

/** Tells the CLI not to retry: Flotilla parks the agent instead (see forward-model-call.ts). */
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

function logFields(agentId: string): { runId: string; agentId: string } {
  return { runId: runIdOfAgent(agentId), agentId };
}
