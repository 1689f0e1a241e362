// How this worker's agents are sandboxed: the host's layout the sandbox hides and shows, and the
// choice made once at start. The doctor asks the same question the same way, so what it says
// is what a starting worker would do.
import { realpathSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";
import type { AgentSandbox, HostLayout } from "../agent/agent-sandbox.ts";
import { chooseAgentSandbox } from "../agent/choose-agent-sandbox.ts";
import type { FlotillaConfig } from "../config/env.ts";

const projectRoot = fileURLToPath(new URL("../../", import.meta.url));

function agentSandboxHost(config: FlotillaConfig): HostLayout {
  return {
    dataDir: config.dataDir,
    workerHome: process.env.HOME ?? homedir(),
    secretFiles: hostSecretFiles(),
    extraHiddenPaths: config.sandboxHiddenPaths,
    programDirectories: [
      projectRoot,
      dirname(dirname(process.execPath)),
      dirname(config.claudePath),
      // Where the `claude` link leads (an npm install's .bin links into the package).
      dirname(realPathOrAsIs(config.claudePath)),
    ].map(realPathOrAsIs),
  };
}

/**
 * The path with its links resolved: bwrap binds a directory at its real path, and fails the
 * agent's start when the destination is a link (as it is when node_modules or node_modules/.bin
 * is one, a layout pnpm and copied checkouts have). A missing path stays as it is (skipped).
 */
function realPathOrAsIs(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** The sandbox agents get here; throws ConfigError when the mode demands one this host cannot give. */
export function chooseWorkerSandbox(config: FlotillaConfig, log: Logger): Promise<AgentSandbox> {
  return chooseAgentSandbox(
    { mode: config.sandboxMode, production: process.env.NODE_ENV === "production" },
    agentSandboxHost(config),
    log,
  );
}

/** Files of the host no agent may read: Probot's .env (in the working directory) and the app key. */
function hostSecretFiles(): string[] {
  const keyPath = process.env.PRIVATE_KEY_PATH;
  return [resolve(".env"), ...(keyPath === undefined || keyPath === "" ? [] : [resolve(keyPath)])];
}
