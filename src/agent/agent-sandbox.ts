// Isolates an agent's `claude` process from the worker with bubblewrap (what Claude Code itself
// uses on Linux): its own user, PID and mount namespaces, the whole file system read-only, the
// data dir, the worker's home and the host's secret files covered, and only the agent's own
// places writable. The rule this serves (README, Security): nothing the worker executes or
// authenticates through may read a file an agent can write. So an agent can write its worktree,
// its home and its scratch space and nothing else: not the mirror (refs, config, objects), not
// another agent's places, not the program folder, not the worker's home, not a /tmp shared with
// anyone; and what the worker reads from those places it reads as plain data (workspace/git.ts,
// workspace/agent-owned-file.ts). When bwrap (the namespace's parent) dies, every process of
// the agent dies with it; and bwrap dies with the worker.
//
// The worktree is shown at one fixed path, `worktreeInSandbox`, on every host: the CLI files a
// session under its cwd and the conversation names files by absolute path, so an agent resumed
// on another host (another DATA_DIR) must find itself in the same place.
import { statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { bubblewrapArguments, type PathKind, type SandboxView } from "./bubblewrap-arguments.ts";

export type AgentSandbox = NoSandbox | BubblewrapSandbox;

interface NoSandbox {
  kind: "off";
  /**
   * `tini`, run as a child subreaper around the CLI, so that what an agent detaches (setsid,
   * env -i) stays below it, where a stop finds and kills it; undefined when not installed.
   */
  subreaper: string | undefined;
}

export interface BubblewrapSandbox {
  kind: "bubblewrap";
  bwrap: string;
  /** Where the host keeps what agents must not see, and what they need to run. */
  host: HostLayout;
}

export interface HostLayout {
  dataDir: string;
  /** The worker user's home (git and npm credentials, shell history): hidden. */
  workerHome: string;
  /** Files no agent may read: the project's .env, the app's private key file. */
  secretFiles: readonly string[];
  /** Operator-chosen extra paths to hide (AGENT_SANDBOX_HIDE); files and directories alike. */
  extraHiddenPaths: readonly string[];
  /** What agents run from (Flotilla's install with the CLI, Node): read-only. */
  programDirectories: readonly string[];
}

/** One agent's own places. */
export interface AgentPlaces {
  /** The agent's own directory (home, config dir, scratch space): writable. */
  agentDir: string;
  /** Its worktree, with its own `.git`: writable. */
  worktree: string;
  /** The repository's mirror, whose objects its `.git` borrows: read-only, objects only. */
  mirrorDir: string;
  /** The `--mcp-config` file the worker wrote for it: read-only. */
  mcpConfig: string;
}

/**
 * Where an agent's worktree is, seen from inside its sandbox: inside the sandbox's own /tmp (a
 * tmpfs, so bwrap can make the mount point whatever the host's root holds), the same on every host.
 */
export const worktreeInSandbox = "/tmp/flotilla/worktree";

/** What one agent may see of the host, and write. */
export function agentSandboxView(host: HostLayout, agent: AgentPlaces): SandboxView {
  const hiddenPaths = host.extraHiddenPaths.map((path) => resolve(path));
  return {
    hiddenDirectories: [resolve(host.dataDir), resolve(host.workerHome), ...hiddenPaths],
    hiddenFiles: [...host.secretFiles.map((path) => resolve(path)), ...hiddenPaths],
    readOnly: [
      ...host.programDirectories.map((path) => resolve(path)),
      join(resolve(agent.mirrorDir), "objects"),
      resolve(agent.mcpConfig),
    ],
    writable: [resolve(agent.agentDir)],
    writableElsewhere: [{ path: resolve(agent.worktree), at: worktreeInSandbox }],
    workingDirectory: worktreeInSandbox,
  };
}

/**
 * Runs the CLI under tini (this shell's parent, a child subreaper). When the CLI exits, what it
 * left running has become tini's (detached or not): it is stopped and killed before the shell,
 * and so tini, exit, or it would outlive the agent.
 */
const reapAfterExit = [
  '"$@"',
  "code=$?",
  "round=0",
  'while [ "$round" -lt 50 ]; do',
  '  left=$(pgrep -P "$PPID" | grep -vx "$$")',
  '  [ -z "$left" ] && break',
  "  kill -STOP $left 2>/dev/null; kill -KILL $left 2>/dev/null",
  "  round=$((round + 1)); sleep 0.1",
  "done",
  'exit "$code"',
].join("\n");

/** How one process is isolated: no sandbox, or bubblewrap with what it may see. */
export type Isolation = { sandbox: NoSandbox } | { sandbox: BubblewrapSandbox; view: SandboxView };

/**
 * The agent's cwd as the CLI sees it (and files its session under): the fixed path in a sandbox,
 * the worktree's own path without one (then hosts must share one DATA_DIR path to resume each
 * other's agents in the same place; README, Nothing lost on restart).
 */
export function agentWorkingDirectory(sandbox: AgentSandbox, worktree: string): string {
  return sandbox.kind === "off" ? resolve(worktree) : worktreeInSandbox;
}

/** The command that runs `file args` inside the sandbox (or as it is, when there is none). */
export function sandboxedCommand(
  isolation: Isolation,
  file: string,
  args: readonly string[],
): { file: string; args: string[] } {
  if (!("view" in isolation)) {
    const { sandbox } = isolation;
    return sandbox.subreaper === undefined
      ? { file, args: [...args] }
      : {
          file: sandbox.subreaper,
          args: ["-s", "--", "/bin/sh", "-c", reapAfterExit, "flotilla-agent", file, ...args],
        };
  }
  const { sandbox, view } = isolation;
  return { file: sandbox.bwrap, args: [...bubblewrapArguments(view, kindOfPath), "--", file, ...args] };
}

/** The directory of the agent's home and config dir: `<data>/agents/<run>/<agent>`. */
export function agentDirOf(home: string): string {
  return dirname(home);
}

function kindOfPath(path: string): PathKind {
  const found = statSync(path, { throwIfNoEntry: false });
  if (found === undefined) return undefined;
  return found.isDirectory() ? "directory" : "file";
}
