// Decides once, when a worker starts, how its agents are isolated (AGENT_SANDBOX): `auto` uses
// namespaces when a probe shows they work here and falls back with a warning; `namespaces`
// insists (the worker does not start without them); `off` runs agents as plain subprocesses.
import { constants } from "node:fs";
import { access, mkdir, rm, writeFile } from "node:fs/promises";
import { delimiter, join } from "node:path";
import type { Logger } from "pino";
import { ConfigError, type SandboxMode } from "../config/env.ts";
import { runCommand } from "../process/run-command.ts";
import {
  type AgentSandbox,
  type HostLayout,
  type NamespaceSandbox,
  sandboxedCommand,
  sandboxStagingDirectory,
} from "./agent-sandbox.ts";

export async function chooseAgentSandbox(
  mode: SandboxMode,
  host: HostLayout,
  log: Logger,
): Promise<AgentSandbox> {
  if (mode === "off") {
    log.warn(
      "agent sandbox: off (AGENT_SANDBOX=off); commands agents run can read the worker's environment through /proc and every file the worker can read",
    );
    return { kind: "off" };
  }
  const tried = await tryNamespaces(host);
  if ("sandbox" in tried) {
    log.info(
      { sandbox: "namespaces", unshare: tried.sandbox.unshare },
      "agent sandbox: namespaces (own user, PID and mount namespaces per agent; worker environment, Redis files, other agents' folders and .env hidden)",
    );
    return tried.sandbox;
  }
  if (mode === "namespaces") {
    throw new ConfigError(
      `AGENT_SANDBOX=namespaces, but agents cannot be put in namespaces here: ${tried.reason}. Install util-linux (unshare, setpriv) and allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, or on Ubuntu kernel.apparmor_restrict_unprivileged_userns=0), or set AGENT_SANDBOX=auto to run without.`,
    );
  }
  log.warn(
    { reason: tried.reason },
    "agent sandbox: unavailable, agents run WITHOUT it (commands they run can read the worker's environment through /proc); see AGENT_SANDBOX in .env.example",
  );
  return { kind: "off" };
}

async function tryNamespaces(host: HostLayout): Promise<{ sandbox: NamespaceSandbox } | { reason: string }> {
  if (process.platform !== "linux")
    return { reason: `namespaces are Linux-only (this is ${process.platform})` };
  const names = ["unshare", "setpriv", "mount", "umount", "mkdir"] as const;
  const found = await Promise.all(names.map((name) => findExecutable(name)));
  const missing = names.filter((_, index) => found[index] === undefined);
  if (missing.length > 0) return { reason: `${missing.join(", ")} not found on PATH` };
  const [unshare = "", setpriv = "", mount = "", umount = "", mkdirTool = ""] = found;
  await mkdir(sandboxStagingDirectory(host.dataDir), { recursive: true });
  const sandbox: NamespaceSandbox = {
    kind: "namespaces",
    unshare,
    tools: { mount, umount, mkdir: mkdirTool, setpriv },
    host,
  };
  const reason = await probe(sandbox);
  return reason === undefined ? { sandbox } : { reason };
}

/** Runs a command in the sandbox that checks what an agent must not see; undefined when all holds. */
async function probe(sandbox: NamespaceSandbox): Promise<string | undefined> {
  const { dataDir } = sandbox.host;
  const probeDir = join(dataDir, ".sandbox-probe");
  const hiddenDir = join(probeDir, "hidden");
  const hiddenFile = join(probeDir, "secret.env");
  await mkdir(hiddenDir, { recursive: true });
  await writeFile(join(hiddenDir, "secret"), "probe\n");
  await writeFile(hiddenFile, "probe\n");
  const checks = `test ! -e '${hiddenDir}/secret' && test ! -s '${hiddenFile}' && test ! -e /proc/${process.pid}/environ`;
  const command = sandboxedCommand(
    sandbox,
    {
      hiddenDirectories: [hiddenDir],
      visibleDirectories: [],
      hiddenFiles: [hiddenFile],
      readOnlyFiles: [],
      stagingDirectory: sandboxStagingDirectory(dataDir),
    },
    "/bin/sh",
    ["-c", checks],
  );
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
