// Decides once, when a worker starts, how its agents are isolated (AGENT_SANDBOX): `auto` uses
// bubblewrap when a probe shows it works here, and otherwise runs agents without a sandbox with a
// warning, except in production (NODE_ENV=production), where it refuses: an unsandboxed agent can
// read the worker's secrets and write what the worker runs. `namespaces` insists everywhere;
// `off` is the operator saying they accept agents as plain subprocesses.
import { constants } from "node:fs";
import { access, mkdir, rm, writeFile } from "node:fs/promises";
import { delimiter, join } from "node:path";
import type { Logger } from "pino";
import { ConfigError, type SandboxMode } from "../config/env.ts";
import { runCommand } from "../process/run-command.ts";
import {
  type AgentSandbox,
  type BubblewrapSandbox,
  type HostLayout,
  sandboxedCommand,
} from "./agent-sandbox.ts";

export interface SandboxChoice {
  mode: SandboxMode;
  /** NODE_ENV=production: no silent fallback to running agents without a sandbox. */
  production: boolean;
}

const howToEnable =
  "Install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap) and allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1; on Ubuntu 24.04+ also kernel.apparmor_restrict_unprivileged_userns=0; in Docker, a seccomp profile that allows clone/unshare of user namespaces, see README, Deploy)";

export async function chooseAgentSandbox(
  choice: SandboxChoice,
  host: HostLayout,
  log: Logger,
): Promise<AgentSandbox> {
  if (choice.mode === "off") {
    log.warn(
      "agent sandbox: off (AGENT_SANDBOX=off); commands agents run can read the worker's environment through /proc, every file the worker can read, and write every file the worker can write",
    );
    return { kind: "off", subreaper: await findExecutable("tini") };
  }
  const tried = await tryBubblewrap(host);
  if ("sandbox" in tried) {
    log.info(
      { sandbox: "bubblewrap", bwrap: tried.sandbox.bwrap },
      "agent sandbox: bubblewrap (own user, PID and mount namespaces per agent; file system read-only but for the agent's own places; worker environment, data dir, worker home and .env hidden)",
    );
    return tried.sandbox;
  }
  if (choice.mode === "namespaces") {
    throw new ConfigError(
      `AGENT_SANDBOX=namespaces, but agents cannot be sandboxed here: ${tried.reason}. ${howToEnable}, or set AGENT_SANDBOX=auto to run without outside production.`,
    );
  }
  if (choice.production) {
    throw new ConfigError(
      `AGENT_SANDBOX=auto with NODE_ENV=production, but agents cannot be sandboxed here: ${tried.reason}. Without the sandbox an agent (a model anyone can prompt through a pull request) can read the worker's keys and tokens and write the program it runs. ${howToEnable}; or, if you accept that, set AGENT_SANDBOX=off.`,
    );
  }
  log.warn(
    { reason: tried.reason },
    "agent sandbox: unavailable, agents run WITHOUT it (commands they run can read the worker's environment through /proc); a production worker would refuse; see AGENT_SANDBOX in README",
  );
  return { kind: "off", subreaper: await findExecutable("tini") };
}

async function tryBubblewrap(host: HostLayout): Promise<{ sandbox: BubblewrapSandbox } | { reason: string }> {
  if (process.platform !== "linux")
    return { reason: `bubblewrap is Linux-only (this is ${process.platform})` };
  const bwrap = await findExecutable("bwrap");
  if (bwrap === undefined) return { reason: "bwrap (bubblewrap) not found on PATH" };
  const sandbox: BubblewrapSandbox = { kind: "bubblewrap", bwrap, host };
  const reason = await probe(sandbox);
  return reason === undefined ? { sandbox } : { reason };
}

/** Runs a command in the sandbox that checks what an agent must not see; undefined when all holds. */
async function probe(sandbox: BubblewrapSandbox): Promise<string | undefined> {
  const probeDir = join(sandbox.host.dataDir, ".sandbox-probe");
  const hiddenDir = join(probeDir, "hidden");
  const hiddenFile = join(probeDir, "secret.env");
  const ownDir = join(probeDir, "own");
  await mkdir(hiddenDir, { recursive: true });
  await mkdir(ownDir, { recursive: true });
  await writeFile(join(hiddenDir, "secret"), "probe\n");
  await writeFile(hiddenFile, "probe\n");
  const checks = [
    `test ! -e '${hiddenDir}/secret'`,
    `test ! -s '${hiddenFile}'`,
    `test ! -e /proc/${process.pid}/environ`,
    `touch '${ownDir}/written'`,
    // The root file system is read-only inside (the worker's /tmp is a private tmpfs there).
    "! mkdir /flotilla-sandbox-probe 2>/dev/null",
  ].join(" && ");
  const view = {
    hiddenDirectories: [hiddenDir],
    hiddenFiles: [hiddenFile],
    readOnly: [],
    writable: [ownDir],
    workingDirectory: ownDir,
  };
  const command = sandboxedCommand({ sandbox, view }, "/bin/sh", ["-c", checks]);
  try {
    await runCommand(command.file, command.args, {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
      timeoutMs: 15_000,
    });
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await rm(probeDir, { recursive: true, force: true });
  }
}

async function findExecutable(name: string): Promise<string | undefined> {
  const directories = [
    ...(process.env.PATH ?? "").split(delimiter),
    "/usr/bin",
    "/bin",
    "/usr/sbin",
    "/sbin",
  ];
  for (const directory of directories) {
    if (directory === "") continue;
    const candidate = join(directory, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return undefined;
}
