// The GitHub App identity shared by the web and worker processes: a Probot instance that hands
// out installation-authenticated clients. Octokit's own retry and throttling are off because
// Flotilla's reporter paces and retries every write itself (see reporter/).

import type { Logger } from "pino";
import { Probot, ProbotOctokit } from "probot";
import { z } from "zod";
import { expiryAwareTokenCache, isTokenCache } from "./installation-token-cache.ts";

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
 * Two fixes to the options Probot gives @octokit/auth-app:
 * - its `request` is aimed at api.github.com: API calls still reach GHE_HOST (they pass their
 *   own base URL), but `client.auth()` (the token for git) and a worker's first token would be
 *   minted at github.com. Aim it at the client's base URL.
 * - its token cache ignores `expires_at`: a token about to expire must read as missing.
 */
function appAuthOptions(options: OctokitOptions | undefined): unknown {
  const auth: unknown = options?.auth;
  if (typeof auth !== "object" || auth === null) return auth;
  const baseUrl = options?.baseUrl;
  return {
    ...auth,
    ...("request" in auth && isRequest(auth.request) && baseUrl !== undefined
      ? { request: auth.request.defaults({ baseUrl }) }
      : {}),
    ...("cache" in auth && isTokenCache(auth.cache) ? { cache: expiryAwareTokenCache(auth.cache) } : {}),
  };
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

/** What auth-app's `auth({ type: "installation" })` answers (typed `unknown` by Octokit). */
const installationAuthentication = z.object({ token: z.string().min(1) });

/**
 * An installation token for one git command (push/fetch over https): ask right before each one,
 * since tokens expire after an hour; a cached one is reused while it has minutes to live.
 */
export async function installationToken(client: GitHubClient): Promise<string> {
  return installationAuthentication.parse(await client.auth({ type: "installation" })).token;
}
