// How this worker's agents are sandboxed: the host's layout the sandbox hides and shows, and the
// choice made once at start. The doctor asks the same question the same way, so what it says
// is what a starting worker would do.
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";
import type { AgentSandbox, HostLayout } from "../agent/agent-sandbox.ts";
import { chooseAgentSandbox } from "../agent/choose-agent-sandbox.ts";
import type { FlotillaConfig } from "../config/env.ts";

const projectRoot = fileURLToPath(new URL("../../", import.meta.url));

export function agentSandboxHost(config: FlotillaConfig): HostLayout {
  return {
    dataDir: config.dataDir,
    secretFiles: hostSecretFiles(),
    extraHiddenPaths: config.sandboxHiddenPaths,
    programDirectories: [projectRoot, dirname(dirname(process.execPath)), dirname(config.claudePath)],
  };
}

/** The sandbox agents get here; throws ConfigError when the mode demands one this host cannot give. */
export function chooseWorkerSandbox(config: FlotillaConfig, log: Logger): Promise<AgentSandbox> {
  return chooseAgentSandbox(config.sandboxMode, agentSandboxHost(config), log);
}

/** Files of the host no agent may read: Probot's .env (in the working directory) and the app key. */
function hostSecretFiles(): string[] {
  const keyPath = process.env.PRIVATE_KEY_PATH;
  return [resolve(".env"), ...(keyPath === undefined || keyPath === "" ? [] : [resolve(keyPath)])];
}
