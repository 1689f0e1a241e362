// Where things live under the data dir. Worktree paths depend only on run and agent ids, so a
// resumed agent gets the same cwd, which the CLI needs to find its session again.
import { join } from "node:path";

export interface AgentPaths {
  worktree: string;
  home: string;
  claudeConfigDir: string;
  tmpDir: string;
  transcript: string;
  mcpConfig: string;
}

export function mirrorPath(dataDir: string, owner: string, repo: string): string {
  return join(dataDir, "mirrors", owner, `${repo}.git`);
}

export function agentPaths(dataDir: string, agentId: string): AgentPaths {
  // Agent ids are `<run>/<name>`: both parts are safe path segments.
  const agentDir = join(dataDir, "agents", agentId);
  return {
    worktree: join(dataDir, "worktrees", agentId),
    home: join(agentDir, "home"),
    claudeConfigDir: join(agentDir, "home", ".claude"),
    tmpDir: join(agentDir, "tmp"),
    transcript: join(agentDir, "transcript.jsonl"),
    mcpConfig: join(agentDir, "mcp-config.json"),
  };
}
