// Where things live under the data dir. Worktree paths depend only on run and agent ids, so a
// resumed agent gets the same cwd, which the CLI needs to find its session again.
//
// Two kinds of places: the agent's own (its worktree, home and scratch space: it can write them,
// so the worker reads them only as data, never as configuration or code, and never follows a
// link in them), and the worker's own places for that agent (`<data>/worker/<agent>`: the git
// index the worker commits from, the transcript, the MCP config), which no agent can write.
import { join } from "node:path";

export interface AgentPaths {
  /** Agent-writable: the checkout it works in, with its own `.git`. */
  worktree: string;
  /** Agent-writable: its HOME. */
  home: string;
  /** Agent-writable: CLAUDE_CONFIG_DIR, where the CLI keeps sessions. */
  claudeConfigDir: string;
  /** Agent-writable: TMPDIR. */
  tmpDir: string;
  /** Worker-only: the CLI's output, appended by the worker's file descriptor. */
  transcript: string;
  /** Worker-only (read-only to the agent): the `--mcp-config` file. */
  mcpConfig: string;
  /** Worker-only: the index the worker commits the worktree's files from. */
  gitIndex: string;
  /**
   * Worker-only: the worker's own git admin directory for a sparse worktree (its sparse-checkout
   * patterns; everything else is the mirror's, see sparse-checkout.ts).
   */
  sparseGitDir: string;
  /** Worker-only: the directory holding the four above. */
  workerDir: string;
}

export function mirrorPath(dataDir: string, owner: string, repo: string): string {
  return join(dataDir, "mirrors", owner, `${repo}.git`);
}

/**
 * Worker-only: the finished worktrees of a mirror's agents, kept for the next agent of the same
 * repository (worktree-pool.ts). Beside the mirror, under the data dir no agent sees.
 */
export function worktreePoolPath(mirrorDir: string): string {
  return `${mirrorDir}.pool`;
}

export function agentPaths(dataDir: string, agentId: string): AgentPaths {
  // Agent ids are `<run>/<name>`: both parts are safe path segments.
  const agentDir = join(dataDir, "agents", agentId);
  const workerDir = join(dataDir, "worker", agentId);
  return {
    worktree: join(dataDir, "worktrees", agentId),
    home: join(agentDir, "home"),
    claudeConfigDir: join(agentDir, "home", ".claude"),
    tmpDir: join(agentDir, "tmp"),
    transcript: join(workerDir, "transcript.jsonl"),
    mcpConfig: join(workerDir, "mcp-config.json"),
    gitIndex: join(workerDir, "index"),
    sparseGitDir: join(workerDir, "git"),
    workerDir,
  };
}
