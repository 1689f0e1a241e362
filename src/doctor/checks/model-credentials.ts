// The model credentials, tried the way agents use them: one free request (count_tokens) through
// a model gateway of Flotilla's own, which swaps an agent token for the real key exactly as it
// does for every agent call. A refused key is fatal; an unreachable API is only a warning (the
// model's outages park agents, they do not stop a worker).
import { AgentGateway } from "../../gateway/agent-gateway.ts";
import type { AgentGatewayOptions } from "../../gateway/gateway-types.ts";
import type { Check, CheckOutcome } from "../check.ts";
import { workerRoles } from "../check.ts";

/** count_tokens is never charged, so this ledger is never asked. */
const neverCharged = async (): Promise<never> => {
  throw new Error("the doctor's model check is never charged");
};
const unusedLedger: AgentGatewayOptions["ledger"] = {
  reserveCall: neverCharged,
  settleCall: neverCharged,
  chargeDaily: neverCharged,
};

const credentialFix =
  "set ANTHROPIC_API_KEY to an API key (console.anthropic.com → API keys) or CLAUDE_CODE_OAUTH_TOKEN to a token from `claude setup-token`";

export const modelCredentialsCheck: Check = {
  name: "model credentials",
  appliesTo: workerRoles,
  atStart: true,
  run: async ({ config }) => {
    const { apiKey, oauthToken, baseUrl } = config.modelUpstream;
    if (apiKey === undefined && oauthToken === undefined)
      return {
        status: "fail",
        detail: "neither ANTHROPIC_API_KEY nor CLAUDE_CODE_OAUTH_TOKEN is set: agents cannot reach the model",
        fix: credentialFix,
      };
    const variable = apiKey !== undefined ? "ANTHROPIC_API_KEY" : "CLAUDE_CODE_OAUTH_TOKEN";
    return tryThroughGateway(config.modelUpstream, config.model ?? "claude-sonnet-4-5", variable, baseUrl);
  },
};

async function tryThroughGateway(
  upstream: { apiKey: string | undefined; oauthToken: string | undefined; baseUrl: string },
  model: string,
  variable: string,
  baseUrl: string,
): Promise<CheckOutcome> {
  const gateway = new AgentGateway({ upstream, ledger: unusedLedger });
  await gateway.start();
  const credential = gateway.register({ id: "doctor", installationId: 0 }, { onBudgetExhausted: () => {} });
  try {
    const response = await fetch(`${credential.baseUrl}/v1/messages/count_tokens`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-api-key": credential.token,
        "anthropic-version": "2023-06-01",
      },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "ping" }] }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    return judge(response.status, apiMessage(text), variable, baseUrl);
  } catch (error) {
    return {
      status: "warn",
      detail: `${baseUrl} did not answer: ${error instanceof Error ? error.message : String(error)}`,
      fix: "check this host's network access to the model API (or ANTHROPIC_BASE_URL)",
    };
  } finally {
    await gateway.unregister(credential.token);
    await gateway.stop();
  }
}

function judge(status: number, message: string, variable: string, baseUrl: string): CheckOutcome {
  if (status >= 200 && status < 300) return { status: "ok", detail: `${variable} accepted by ${baseUrl}` };
  if (status === 401 || status === 403)
    return {
      status: "fail",
      detail: `${baseUrl} refused ${variable} (${status}: ${message})`,
      fix: `${credentialFix}; check that it is not revoked or mistyped`,
    };
  if (status === 502)
    return {
      status: "warn",
      detail: `${baseUrl} could not be reached: ${message}`,
      fix: "check this host's network access to the model API (or ANTHROPIC_BASE_URL)",
    };
  // Any other answer (an unknown model, a rate limit, an overload) came past authentication.
  return {
    status: status === 400 || status === 404 ? "ok" : "warn",
    detail: `${variable} accepted by ${baseUrl}, which answered ${status}: ${message}`,
    fix: "if this persists, check AGENT_MODEL and the API's status page",
  };
}

function apiMessage(text: string): string {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === "object" && parsed !== null && "error" in parsed) {
      const error = parsed.error;
      if (typeof error === "object" && error !== null && "message" in error) return String(error.message);
    }
  } catch {
    // Not JSON: show the start of the text.
  }
  return text.slice(0, 200);
}
