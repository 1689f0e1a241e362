// The gateway's side of the real model API: the request headers it forwards (the client's,
// minus its credential and hop-by-hop headers, plus the real credential) and the request itself.
//
// Credentials: an API key goes in `x-api-key`. A Claude subscription token
// (CLAUDE_CODE_OAUTH_TOKEN, `sk-ant-oat…`) goes in `authorization: Bearer …`, and the API only
// accepts it with the `oauth-2025-04-20` beta, which the CLI adds itself when it holds the token
// but not when (as here) it holds an API key; so the gateway appends that beta. The CLI's own
// `anthropic-beta` and `anthropic-version` headers pass through unchanged, as Claude Code's LLM
// gateway requirements ask (code.claude.com/docs/en/llm-gateway).
import {
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
} from "node:http";
import { request as httpsRequest } from "node:https";

export interface UpstreamConfig {
  /** e.g. https://api.anthropic.com, or a gateway of your own with a path prefix. */
  baseUrl: string;
  apiKey: string | undefined;
  oauthToken: string | undefined;
}

const oauthBeta = "oauth-2025-04-20";

/** Never forwarded: the agent's own credential, framing, and encodings we could not read. */
const droppedRequestHeaders = new Set([
  "host",
  "content-length",
  "x-api-key",
  "authorization",
  "accept-encoding",
  "connection",
  "keep-alive",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

const droppedResponseHeaders = new Set(["connection", "keep-alive", "transfer-encoding"]);

export function upstreamRequestHeaders(
  clientHeaders: IncomingHttpHeaders,
  upstream: UpstreamConfig,
  bodyBytes: number,
): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(clientHeaders)) {
    if (value !== undefined && !droppedRequestHeaders.has(name)) headers[name] = value;
  }
  headers["content-length"] = bodyBytes;
  // Upstream must answer uncompressed, or the gateway could not read the usage as it streams.
  headers["accept-encoding"] = "identity";
  if (upstream.apiKey !== undefined) {
    headers["x-api-key"] = upstream.apiKey;
  } else if (upstream.oauthToken !== undefined) {
    headers.authorization = `Bearer ${upstream.oauthToken}`;
    headers["anthropic-beta"] = withBeta(headers["anthropic-beta"], oauthBeta);
  }
  return headers;
}

export function clientResponseHeaders(upstreamHeaders: IncomingHttpHeaders): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(upstreamHeaders)) {
    if (value !== undefined && !droppedResponseHeaders.has(name)) headers[name] = value;
  }
  return headers;
}

function withBeta(current: OutgoingHttpHeaders[string], beta: string): string {
  const list = (Array.isArray(current) ? current.join(",") : String(current ?? ""))
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
  return (list.includes(beta) ? list : [...list, beta]).join(",");
}

/** The upstream URL for a client path (path and query kept), under the base URL's own path. */
export function upstreamUrl(baseUrl: string, pathAndQuery: string): URL {
  return new URL(`${baseUrl.replace(/\/+$/, "")}${pathAndQuery}`);
}

/**
 * Sends one request upstream; resolves when the response head arrives. Aborts with `signal`.
 * `onSent` is told when the whole request has been handed to the network.
 */
export function sendUpstream(
  url: URL,
  method: string,
  headers: OutgoingHttpHeaders,
  body: Buffer,
  signal: AbortSignal,
  onSent?: () => void,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const outgoing = send(url, { method, headers, signal }, resolve);
    outgoing.on("error", reject);
    if (onSent !== undefined) outgoing.once("finish", onSent);
    outgoing.end(body);
  });
}
