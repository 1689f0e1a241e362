// Runs the real `claude` CLI the way a worker does (own process group, stdin closed, own HOME and
// CLAUDE_CONFIG_DIR, cwd a git repository) and keeps its stream-json lines with their arrival time.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildAgentEnvironment } from "../../src/agent/agent-environment.ts";
import { splitLines } from "../../src/agent/line-splitter.ts";
import { type StartedProcess, startProcess } from "../../src/process/run-command.ts";
import { git } from "../support/git-fixtures.ts";
import { claudeBinaryPath } from "../support/paths.ts";

export type StreamLine = Record<string, unknown> & { type?: string; subtype?: string };

export interface CliRun {
  startedAt: number;
  lines: { atMs: number; line: StreamLine }[];
  process: StartedProcess;
  /** Resolves once stdout has ended. */
  drained: Promise<void>;
}

export interface AgentSandbox {
  dir: string;
  cwd: string;
  home: string;
  claudeConfigDir: string;
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

/** A temp folder with a git repository to work in and a HOME/config dir of its own. */
export async function createAgentSandbox(
  modelUrl: string,
  extraEnv: Record<string, string> = {},
): Promise<AgentSandbox> {
  const dir = await mkdtemp(join(tmpdir(), "flotilla-mcp-cli-"));
  const cwd = join(dir, "worktree");
  const home = join(dir, "home");
  const claudeConfigDir = join(home, ".claude");
  const tmpDir = join(dir, "tmp");
  for (const path of [cwd, claudeConfigDir, tmpDir]) await mkdir(path, { recursive: true });
  await git(cwd, ["init", "--quiet", "--initial-branch=main"]);
  await git(cwd, ["commit", "--quiet", "--allow-empty", "-m", "Initial commit"]);
  const env = {
    ...buildAgentEnvironment({
      home,
      claudeConfigDir,
      tmpDir,
      modelAccess: { baseUrl: modelUrl, apiKey: "sk-ant-test-agent-key" },
    }),
    ...extraEnv,
  };
  return { dir, cwd, home, claudeConfigDir, env, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export function startCli(sandbox: AgentSandbox, args: readonly string[]): CliRun {
  const startedAt = performance.now();
  const subprocess = startProcess(claudeBinaryPath, args, { cwd: sandbox.cwd, env: sandbox.env });
  const lines: CliRun["lines"] = [];
  const drained = (async () => {
    for await (const line of splitLines(subprocess.stdout)) {
      if (typeof line === "string")
        lines.push({ atMs: performance.now() - startedAt, line: JSON.parse(line) });
    }
  })();
  return { startedAt, lines, process: subprocess, drained };
}

export function initLine(run: CliRun): StreamLine | undefined {
  return run.lines.find(({ line }) => line.type === "system" && line.subtype === "init")?.line;
}

export { isAlive } from "../support/processes-under.ts";
