// The GitHub App identity shared by the web and worker processes: a Probot instance that hands
// out installation-authenticated clients. Octokit's own retry and throttling are off because
// Flotilla's reporter paces and retries every write itself (see reporter/).

import type { Logger } from "pino";
import { Probot, ProbotOctokit } from "probot";

export type GitHubClient = InstanceType<typeof ProbotOctokit>;

type OctokitOptions = NonNullable<ConstructorParameters<typeof ProbotOctokit>[0]>;

// The function form is needed: Probot always passes throttle options of its own, which would
// replace a plain object default (and switch throttling back on).
export const FlotillaOctokit = ProbotOctokit.defaults((options: OctokitOptions | undefined) => ({
  ...options,
  retry: { enabled: false },
  throttle: { ...options?.throttle, enabled: false },
  auth: appAuthOptions(options),
}));

interface RequestWithDefaults {
  defaults(options: { baseUrl: string }): unknown;
}

function isRequest(value: unknown): value is RequestWithDefaults {
  return typeof value === "function" && "defaults" in value && typeof value.defaults === "function";
}

/**
 * Probot gives @octokit/auth-app a `request` aimed at api.github.com: API calls still reach
 * GHE_HOST (they pass their own base URL), but `client.auth()` (the token for git) and a
 * worker's first token would be minted at github.com. Aim it at the client's base URL.
 */
function appAuthOptions(options: OctokitOptions | undefined): unknown {
  const auth: unknown = options?.auth;
  const baseUrl = options?.baseUrl;
  if (baseUrl === undefined || typeof auth !== "object" || auth === null) return auth;
  if (!("request" in auth) || !isRequest(auth.request)) return auth;
  return { ...auth, request: auth.request.defaults({ baseUrl }) };
}

export interface GitHubAppOptions {
  appId: number | string;
  privateKey: string;
  webhookSecret: string;
  /** `https://api.github.com`, or `{protocol}://{GHE_HOST}/api/v3`. */
  baseUrl: string;
  log?: Logger;
}

export function createProbot(options: GitHubAppOptions): Probot {
  return new Probot({
    appId: options.appId,
    privateKey: options.privateKey,
    secret: options.webhookSecret,
    baseUrl: options.baseUrl,
    Octokit: FlotillaOctokit,
    ...(options.log === undefined ? {} : { log: options.log }),
  });
}

/** Probot's rule for the API URL: GHE_HOST and GHE_PROTOCOL, else github.com. */
export function githubApiBaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.GHE_HOST ? `${env.GHE_PROTOCOL || "https"}://${env.GHE_HOST}/api/v3` : "https://api.github.com";
}

/** An installation token for one git command (push/fetch over https). */
export async function installationToken(client: GitHubClient): Promise<string> {
  const authentication = (await client.auth({ type: "installation" })) as { token: string };
  return authentication.token;
}
