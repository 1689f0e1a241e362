// Every check, in the order the doctor's table shows them.
import type { Check, ProcessRole } from "./check.ts";
import { agentSandboxCheck } from "./checks/agent-sandbox.ts";
import { claudeBinaryCheck } from "./checks/claude-binary.ts";
import { dataDirCheck } from "./checks/data-dir.ts";
import { gitVersionCheck } from "./checks/git-version.ts";
import { githubAppCheck } from "./checks/github-app.ts";
import { modelCredentialsCheck } from "./checks/model-credentials.ts";
import { nodeVersionCheck } from "./checks/node-version.ts";
import { redisCheck } from "./checks/redis.ts";
import { webhookSecretCheck } from "./checks/webhook-secret.ts";

const allChecks: readonly Check[] = [
  nodeVersionCheck,
  gitVersionCheck,
  redisCheck,
  agentSandboxCheck,
  claudeBinaryCheck,
  modelCredentialsCheck,
  githubAppCheck,
  webhookSecretCheck,
  dataDirCheck,
];

/** What `./flotilla doctor` checks for a process of this role. */
export function doctorChecks(role: ProcessRole): Check[] {
  return allChecks.filter((check) => check.appliesTo(role));
}

/** What `./flotilla start` checks before it starts anything. */
export function startChecks(role: ProcessRole): Check[] {
  return doctorChecks(role).filter((check) => check.atStart);
}
