// The GitHub App identity shared by the web and worker processes: a Probot instance that hands
// out installation-authenticated clients. Octokit's own retry and throttling are off because
// Flotilla's reporter paces and retries every write itself (see reporter/).

import type { Logger } from "pino";
import { Probot, ProbotOctokit } from "probot";

export type GitHubClient = InstanceType<typeof ProbotOctokit>;

// The function form is needed: Probot always passes throttle options of its own, which would
// replace a plain object default (and switch throttling back on).
export const FlotillaOctokit = ProbotOctokit.defaults(
  (options: ConstructorParameters<typeof ProbotOctokit>[0]) => ({
    ...options,
    retry: { enabled: false },
    throttle: { ...options?.throttle, enabled: false },
  }),
);

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
