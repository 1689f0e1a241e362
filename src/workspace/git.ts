// Runs git for the worker. Every call gets a minimal environment (no secrets of the worker) and
// has hooks and fsmonitor switched off, because agents can write into the worktrees and mirror
// that these commands touch. Credentials are added per call, for http(s) remotes only.
import { runCommand } from "../process/run-command.ts";

export interface GitOptions {
  cwd: string;
  /** Extra environment for this one call (credentials travel here, never in a config file). */
  env?: Record<string, string>;
  /** @defaultValue 300_000 */
  timeoutMs?: number;
}

export const botIdentity = { name: "flotilla[bot]", email: "flotilla[bot]@users.noreply.github.com" };

const safetyConfig = [
  "-c",
  "core.hooksPath=/dev/null",
  "-c",
  "core.fsmonitor=false",
  "-c",
  "protocol.ext.allow=never",
];

export async function git(args: readonly string[], options: GitOptions): Promise<string> {
  const result = await runCommand("git", [...safetyConfig, ...args], {
    cwd: options.cwd,
    env: { ...gitBaseEnvironment(), ...options.env },
    timeoutMs: options.timeoutMs ?? 300_000,
    maxBufferBytes: 64 * 1024 * 1024,
  });
  return result.stdout;
}

function gitBaseEnvironment(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: process.env.HOME ?? "/tmp",
    LANG: "C.UTF-8",
    GIT_TERMINAL_PROMPT: "0",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_AUTHOR_NAME: botIdentity.name,
    GIT_AUTHOR_EMAIL: botIdentity.email,
    GIT_COMMITTER_NAME: botIdentity.name,
    GIT_COMMITTER_EMAIL: botIdentity.email,
  };
}

/**
 * Environment that authenticates one git call to an http(s) remote with an installation token,
 * through GIT_CONFIG_* variables so that the token is never written to any git config file.
 */
export function credentialEnvironment(remoteUrl: string, token: string | undefined): Record<string, string> {
  if (token === undefined || !/^https?:\/\//i.test(remoteUrl)) return {};
  const basic = Buffer.from(`x-access-token:${token}`).toString("base64");
  return {
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: "http.extraHeader",
    GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
  };
}
