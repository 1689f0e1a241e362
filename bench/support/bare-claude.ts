// The baseline Flotilla is compared with: the same `claude -p` a person would run by hand in a
// plain git checkout, with the same flags, environment and allowed tools Flotilla gives an agent,
// minus everything Flotilla adds (webhook, queue, worktree, MCP tools, gateway, sandbox, reporter).
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildAgentEnvironment } from "../../src/agent/agent-environment.ts";
import { buildClaudeArguments } from "../../src/agent/claude-arguments.ts";
import { loadConfig } from "../../src/config/env.ts";
import { signalProcessGroup, startProcess } from "../../src/process/run-command.ts";
import { git } from "../../test/support/git-fixtures.ts";
import { claudeBinaryPath } from "../../test/support/paths.ts";

export interface BareCheckout {
  /** The checkout the CLI works in. */
  cwd: string;
  /** Runs `claude -p <task>` to its exit after resetting the checkout; returns the elapsed ms. */
  timeRun(task: string): Promise<number>;
  cleanup(): Promise<void>;
}

export async function prepareBareCheckout(options: {
  cloneUrl: string;
  branch: string;
  modelUrl: string;
}): Promise<BareCheckout> {
  const dir = await mkdtemp(join(tmpdir(), "flotilla-bench-bare-"));
  const cwd = join(dir, "checkout");
  const home = join(dir, "home");
  const claudeConfigDir = join(home, ".claude");
  const tmpDir = join(dir, "tmp");
  for (const path of [claudeConfigDir, tmpDir]) await mkdir(path, { recursive: true });
  await git(dir, ["clone", "--quiet", "--branch", options.branch, options.cloneUrl, cwd]);
  const env = buildAgentEnvironment({
    home,
    claudeConfigDir,
    tmpDir,
    modelAccess: { baseUrl: options.modelUrl, apiKey: "sk-ant-bench-bare-key" },
  });
  // The tools a Flotilla agent is allowed by default, so both offer the model the same tools.
  const allowedTools = loadConfig({}).allowedTools;

  const timeRun = async (task: string): Promise<number> => {
    await git(cwd, ["reset", "--quiet", "--hard"]);
    await git(cwd, ["clean", "--quiet", "-fdx"]);
    const args = buildClaudeArguments({
      message: task,
      sessionId: crypto.randomUUID(),
      resume: false,
      allowedTools,
      maxTurns: 10,
    });
    const startedAt = performance.now();
    const subprocess = startProcess(claudeBinaryPath, args, { cwd, env });
    subprocess.stdout.resume();
    subprocess.stderr.resume();
    const result = await subprocess;
    const elapsedMs = performance.now() - startedAt;
    signalProcessGroup(subprocess.pid, "SIGKILL");
    if (result.exitCode !== 0) throw new Error(`bare claude -p exited ${result.exitCode ?? result.signal}`);
    return elapsedMs;
  };

  return { cwd, timeRun, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
