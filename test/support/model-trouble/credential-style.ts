// The two ways Flotilla can hold the model API's credential, as the model trouble tests run them:
// an API key (`x-api-key`; a 429 says when it resets in `retry-after` and the per-limit
// `anthropic-ratelimit-requests-*` headers) or a Claude subscription token
// (CLAUDE_CODE_OAUTH_TOKEN: `authorization: Bearer`, the oauth beta, and a 429 that says when it
// resets only in the `anthropic-ratelimit-unified-*` headers, epoch seconds, as the CLI reads them).
import type { RecordedRequest } from "../scripted-model.ts";

export interface CredentialStyle {
  name: "API key" | "subscription";
  /** What Flotilla's environment holds instead of the world's API key (see e2e-environment.ts). */
  flotillaEnv: Record<string, string>;
  /** What the API answers a rate-limited request with, beside the 429 and its error body. */
  rateLimitHeaders(resetAt: number): Record<string, string>;
  /** The reset time Flotilla can read from those headers (the unified reset is whole seconds). */
  resetFor(wantedAt: number): number;
  /** Why the request does not carry this style's credential, or undefined when it does. */
  credentialProblem(request: RecordedRequest): string | undefined;
}

/** The Messages API accepts a subscription token only with this beta (src/gateway/upstream.ts). */
const oauthBeta = "oauth-2025-04-20";

export function apiKeyStyle(upstreamKey: string): CredentialStyle {
  return {
    name: "API key",
    flotillaEnv: {},
    rateLimitHeaders: (resetAt) => ({
      "retry-after": String(Math.ceil((resetAt - Date.now()) / 1000)),
      "anthropic-ratelimit-requests-limit": "50",
      "anthropic-ratelimit-requests-remaining": "0",
      "anthropic-ratelimit-requests-reset": new Date(resetAt).toISOString(),
    }),
    resetFor: (wantedAt) => wantedAt,
    credentialProblem: (request) => {
      if (request.apiKey !== upstreamKey) return `x-api-key is ${JSON.stringify(request.apiKey)}`;
      if (request.authorization !== undefined) return "it carries an authorization header too";
      if (request.betas.includes(oauthBeta)) return `it asks for ${oauthBeta} with an API key`;
      return undefined;
    },
  };
}

export function subscriptionStyle(token: string): CredentialStyle {
  return {
    name: "subscription",
    // The world's environment sets an API key; an empty value is no value (src/config/env.ts).
    flotillaEnv: { ANTHROPIC_API_KEY: "", CLAUDE_CODE_OAUTH_TOKEN: token },
    rateLimitHeaders: (resetAt) => {
      const resetSeconds = String(Math.ceil(resetAt / 1000));
      return {
        "anthropic-ratelimit-unified-status": "rejected",
        "anthropic-ratelimit-unified-reset": resetSeconds,
        "anthropic-ratelimit-unified-representative-claim": "five_hour",
        "anthropic-ratelimit-unified-5h-status": "rejected",
        "anthropic-ratelimit-unified-5h-reset": resetSeconds,
        "anthropic-ratelimit-unified-5h-utilization": "1.0",
        "anthropic-ratelimit-unified-overage-status": "rejected",
        "anthropic-ratelimit-unified-overage-disabled-reason": "org_level_disabled",
      };
    },
    resetFor: (wantedAt) => Math.ceil(wantedAt / 1000) * 1000,
    credentialProblem: (request) => {
      if (request.authorization !== `Bearer ${token}`)
        return `authorization is ${JSON.stringify(request.authorization)}`;
      if (request.apiKey !== undefined) return "it carries an x-api-key too";
      if (!request.betas.includes(oauthBeta)) return `anthropic-beta lacks ${oauthBeta}`;
      return undefined;
    },
  };
}
