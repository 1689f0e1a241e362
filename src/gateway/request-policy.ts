// What an agent's request may ask of the API beyond plain tokens. A beta (`anthropic-beta`) can
// switch on features that cost more or reach further, and a server tool (a `tools[]` entry with a
// `type`, such as `web_search_20250305` or `code_execution_…`) is paid per use, outside tokens.
// Both are refused unless the operator allows them; the betas the pinned CLI sends on its own are
// allowed by default.
import type { IncomingHttpHeaders } from "node:http";
import type { MessagesRequest } from "./messages-request.ts";

/**
 * Every `anthropic-beta` value Claude Code 2.1.197 (the pinned CLI) sent to a recording model
 * server with an API key (as agents hold), for its default model and with `--model` set to each
 * of sonnet/opus/haiku 4.x and 5.x, fable-5 and a `[1m]` model, through its Bash, WebSearch and
 * Agent tools; plus the two it adds when it holds a subscription token (`oauth-2025-04-20`, which
 * the gateway itself adds upstream in that case, and `extended-cache-ttl-2025-04-11`).
 * Re-measure when the CLI's version changes (docs/cli-facts.md says how).
 */
export const cliBetas: readonly string[] = [
  "claude-code-20250219",
  "context-1m-2025-08-07",
  "interleaved-thinking-2025-05-14",
  "thinking-token-count-2026-05-13",
  "context-management-2025-06-27",
  "prompt-caching-scope-2026-01-05",
  "mid-conversation-system-2026-04-07",
  "effort-2025-11-24",
  "fallback-credit-2026-06-01",
  "oauth-2025-04-20",
  "extended-cache-ttl-2025-04-11",
];

export interface RequestPolicy {
  allowedBetas: ReadonlySet<string>;
  /** Server tool types allowed: exact (`web_search_20250305`) or any version (`web_search`). */
  allowedServerTools: readonly string[];
}

export function requestPolicy(extraBetas: readonly string[], serverTools: readonly string[]): RequestPolicy {
  return { allowedBetas: new Set([...cliBetas, ...extraBetas]), allowedServerTools: [...serverTools] };
}

/** The `anthropic-beta` values of a request (one header or several, comma-separated). */
function betasOf(headers: IncomingHttpHeaders): string[] {
  const raw = headers["anthropic-beta"];
  const joined = Array.isArray(raw) ? raw.join(",") : (raw ?? "");
  return joined
    .split(",")
    .map((beta) => beta.trim())
    .filter((beta) => beta !== "");
}

/** The server tools a request offers the model: `tools[]` entries with a type other than `custom`. */
function serverToolsOf(request: MessagesRequest): string[] {
  return (request.tools ?? [])
    .map((tool) => tool.type)
    .filter((type): type is string => type !== undefined && type !== "custom");
}

/** Why the request is refused, in words for the agent's log; undefined when it may go. */
export function policyRefusal(
  policy: RequestPolicy,
  headers: IncomingHttpHeaders,
  request: MessagesRequest | undefined,
): string | undefined {
  const betas = betasOf(headers).filter((beta) => !policy.allowedBetas.has(beta));
  if (betas.length > 0) {
    return `Flotilla: the anthropic-beta ${betas.map((beta) => `"${beta}"`).join(", ")} is not allowed for agents (it can change what a call costs). An operator can allow it with MODEL_ALLOWED_BETAS.`;
  }
  const tools =
    request === undefined ? [] : serverToolsOf(request).filter((type) => !allowedTool(policy, type));
  if (tools.length > 0) {
    return `Flotilla: the server tool ${tools.map((type) => `"${type}"`).join(", ")} is not allowed for agents (it is paid per use, outside the token budget). An operator can allow it with MODEL_ALLOWED_SERVER_TOOLS.`;
  }
  return undefined;
}

function allowedTool(policy: RequestPolicy, type: string): boolean {
  return policy.allowedServerTools.some((allowed) => type === allowed || type.startsWith(`${allowed}_`));
}
