// Isolates an agent's `claude` process from the worker on Linux without containers: new user,
// PID and mount namespaces (util-linux `unshare`). In its own PID namespace nothing the agent
// runs can read the worker's /proc/<pid>/environ; in its own mount namespace the data dir's
// Redis files, other agents' homes, worktrees and mirrors, the project's .env and the app key
// are hidden; and when the CLI (the namespace's first process) dies, every process in it dies.
// The network is shared on purpose: the gateway and Flotilla's tools listen on 127.0.0.1.
import { dirname, join, resolve } from "node:path";
import { type SandboxPaths, type SandboxTools, sandboxScript } from "./sandbox-script.ts";

export type AgentSandbox = { kind: "off" } | NamespaceSandbox;

export interface NamespaceSandbox {
  kind: "namespaces";
  unshare: string;
  tools: SandboxTools;
  /** Where the host keeps what agents must not see, and what they need to run. */
  host: HostLayout;
}

export interface HostLayout {
  dataDir: string;
  /** Files no agent may read: the project's .env, the app's private key file. */
  secretFiles: readonly string[];
  /** Operator-chosen extra paths to hide (AGENT_SANDBOX_HIDE); files and directories alike. */
  extraHiddenPaths: readonly string[];
  /** What agents run from (Flotilla's install with the CLI and its MCP server, Node), kept visible. */
  programDirectories: readonly string[];
}

/** One agent's own places, which stay visible at their usual paths. */
export interface AgentPlaces {
  /** The agent's own directory (home, config dir, scratch space). */
  agentDir: string;
  worktree: string;
  mirrorDir: string;
}

export function sandboxStagingDirectory(dataDir: string): string {
  return join(dataDir, ".sandbox");
}

/** What one agent may see of the host. */
export function agentSandboxPaths(host: HostLayout, agent: AgentPlaces): SandboxPaths {
  // Absolute paths: the mount script runs with the agent's worktree as its working directory.
  const dataDir = resolve(host.dataDir);
  const mirrorDir = resolve(agent.mirrorDir);
  return {
    hiddenDirectories: [
      join(dataDir, "redis"),
      join(dataDir, "agents"),
      join(dataDir, "worktrees"),
      join(dataDir, "mirrors"),
      ...host.extraHiddenPaths.map((path) => resolve(path)),
    ],
    visibleDirectories: [
      ...host.programDirectories.map((path) => resolve(path)),
      resolve(agent.agentDir),
      resolve(agent.worktree),
      mirrorDir,
    ],
    hiddenFiles: [...host.secretFiles, ...host.extraHiddenPaths].map((path) => resolve(path)),
    // Git reads the mirror's config when the worker pushes with credentials: an agent that could
    // write it (url.insteadOf, http.proxy, include.path) could send the worker's token elsewhere.
    readOnlyFiles: [join(mirrorDir, "config")],
    stagingDirectory: sandboxStagingDirectory(dataDir),
  };
}

/** The command that runs `file args` inside the sandbox (or as it is, when there is none). */
export function sandboxedCommand(
  sandbox: AgentSandbox,
  paths: SandboxPaths,
  file: string,
  args: readonly string[],
): { file: string; args: string[] } {
  if (sandbox.kind === "off") return { file, args: [...args] };
  return {
    file: sandbox.unshare,
    args: [
      "--user",
      "--map-root-user",
      "--pid",
      "--fork",
      "--kill-child",
      "--mount-proc",
      "--mount",
      "--propagation",
      "private",
      "--",
      "/bin/sh",
      "-c",
      sandboxScript(paths, sandbox.tools),
      "flotilla-sandbox",
      file,
      ...args,
    ],
  };
}

/** The directory of the agent's home and config dir: `<data>/agents/<run>/<agent>`. */
export function agentDirOf(home: string): string {
  return dirname(home);
}
