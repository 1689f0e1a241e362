// Isolates an agent's `claude` process from the worker on Linux without containers: new user,
// PID and mount namespaces (util-linux `unshare`). In its own PID namespace nothing the agent
// runs can read the worker's /proc/<pid>/environ; in its own mount namespace the data dir's
// Redis files, other agents' homes, worktrees and mirrors, the project's .env and the app key
// are hidden; and when the CLI (the namespace's first process) dies, every process in it dies.
// The network is shared on purpose: the gateway and Flotilla's tools listen on 127.0.0.1.
import { dirname, join } from "node:path";
import { type SandboxPaths, type SandboxTools, sandboxScript } from "./sandbox-script.ts";

export type AgentSandbox = { kind: "off" } | NamespaceSandbox;

export interface NamespaceSandbox {
  kind: "namespaces";
  unshare: string;
  tools: SandboxTools;
  /** What every agent of this worker must not see, besides other agents' folders. */
  hostSecrets: HostSecrets;
}

export interface HostSecrets {
  dataDir: string;
  /** The project's .env, the app's private key file. */
  files: readonly string[];
  /** Operator-chosen extra paths to hide (AGENT_SANDBOX_HIDE); files and directories alike. */
  extraPaths: readonly string[];
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
export function agentSandboxPaths(secrets: HostSecrets, agent: AgentPlaces): SandboxPaths {
  const { dataDir } = secrets;
  return {
    hiddenDirectories: [
      join(dataDir, "redis"),
      join(dataDir, "agents"),
      join(dataDir, "worktrees"),
      join(dataDir, "mirrors"),
      ...secrets.extraPaths,
    ],
    visibleDirectories: [agent.agentDir, agent.worktree, agent.mirrorDir],
    hiddenFiles: [...secrets.files, ...secrets.extraPaths],
    // Git reads the mirror's config when the worker pushes with credentials: an agent that could
    // write it (url.insteadOf, http.proxy, include.path) could send the worker's token elsewhere.
    readOnlyFiles: [join(agent.mirrorDir, "config")],
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
