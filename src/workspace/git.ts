// Runs git for the worker. The worker's git authenticates with an installation token and runs
// configured commands (filters, hooks, proxies), so it may read no file an agent can write:
// - every call names its repository (`--git-dir`) and, when it has one, its work tree: git never
//   looks for a repository, so a `.git` file or directory an agent planted (in its worktree, or
//   next to the mirror) is never read, nor a `commondir` or `gitdir` pointer;
// - that repository is always the mirror, which no agent can write (agent/agent-sandbox.ts);
//   the files of an agent's worktree are only ever content to commit;
// - no system or global config (GIT_CONFIG_NOSYSTEM, GIT_CONFIG_GLOBAL=/dev/null), hooks and
//   fsmonitor off, no `ext::` transport, no replace refs;
// - a minimal environment (no secret of the worker's); credentials per call, never in a file.
import { CommandFailedError, runCommand } from "../process/run-command.ts";

export interface GitOptions {
  /** The repository: always given, never searched for. */
  gitDir: string;
  /** The files to add from or check out into, when the command needs any. */
  workTree?: string;
  /** The index to use instead of the repository's own (one per agent, in the worker's places). */
  indexFile?: string;
  /**
   * The repository whose refs, objects and config `gitDir` shares (the mirror), when `gitDir` is
   * an agent's own admin directory in the worker's places, which holds its sparse-checkout patterns.
   */
  commonDir?: string;
  /** Checks out and stages only what `<gitDir>/info/sparse-checkout` lists (sparse-checkout.ts). */
  sparseCheckout?: boolean;
  /** Extra environment for this one call (credentials travel here, never in a config file). */
  env?: Record<string, string>;
  /** @defaultValue 300_000 */
  timeoutMs?: number;
}

const botIdentity = { name: "flotilla[bot]", email: "flotilla[bot]@users.noreply.github.com" };

const safetyConfig = [
  "-c",
  "core.hooksPath=/dev/null",
  "-c",
  "core.fsmonitor=false",
  "-c",
  "protocol.ext.allow=never",
];

// Non-cone patterns: the worker writes one anchored pattern per listed path (sparse-checkout.ts).
const sparseConfig = ["-c", "core.sparseCheckout=true", "-c", "core.sparseCheckoutCone=false"];

export async function git(args: readonly string[], options: GitOptions): Promise<string> {
  const location = [
    `--git-dir=${options.gitDir}`,
    ...(options.workTree === undefined ? [] : [`--work-tree=${options.workTree}`]),
  ];
  // Per call, never in a config file: the mirror is shared by agents with and without sparse paths.
  const sparse = options.sparseCheckout === true ? sparseConfig : [];
  const result = await runCommand("git", [...location, ...safetyConfig, ...sparse, ...args], {
    // Never a directory an agent can write: git starts nowhere near one.
    cwd: "/",
    env: {
      ...gitBaseEnvironment(),
      ...(options.indexFile === undefined ? {} : { GIT_INDEX_FILE: options.indexFile }),
      ...(options.commonDir === undefined ? {} : { GIT_COMMON_DIR: options.commonDir }),
      ...options.env,
    },
    timeoutMs: options.timeoutMs ?? 300_000,
    maxBufferBytes: 64 * 1024 * 1024,
  });
  return result.stdout;
}

/** Whether `error` is git saying no with this exit code (not a timeout, not a failure to start). */
export function isGitExit(error: unknown, exitCode: number): error is CommandFailedError {
  return error instanceof CommandFailedError && !error.timedOut && error.exitCode === exitCode;
}

/**
 * Whether `error` is git saying no, with any exit code: an answer about the repository, not a
 * timeout, a kill, a failure to start or an error of Flotilla's own (which say nothing of it).
 */
export function isGitRefusal(error: unknown): error is CommandFailedError {
  return error instanceof CommandFailedError && !error.timedOut && error.exitCode !== undefined;
}

function gitBaseEnvironment(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: process.env.HOME ?? "/tmp",
    LANG: "C.UTF-8",
    GIT_TERMINAL_PROMPT: "0",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_ATTR_NOSYSTEM: "1",
    GIT_NO_REPLACE_OBJECTS: "1",
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
