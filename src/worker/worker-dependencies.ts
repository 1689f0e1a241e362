// What an agent job needs from its process: configuration, records, the reporter, GitHub
// clients, model access for agents, the registry of agents running here, and (when the process
// has them) the agents' live event streams and metrics.
import type { Logger } from "pino";
import type { ModelAccess } from "../agent/agent-environment.ts";
import type { AgentSandbox } from "../agent/agent-sandbox.ts";
import type { FlotillaConfig } from "../config/env.ts";
import type { ModelCallSummary } from "../gateway/model-call-record.ts";
import type { GitHubClient } from "../github/github-app.ts";
import type { FlotillaMetrics } from "../ops/metrics.ts";
import type { Reporter } from "../reporter/reporter.ts";
import type { AgentEventLog } from "../store/agent-event-log.ts";
import type { BudgetStore } from "../store/budget-store.ts";
import type { AgentRecord } from "../store/records.ts";
import type { RunStore } from "../store/run-store.ts";
import type { SessionArchive } from "../store/session-archive.ts";
import type { RunningAgents } from "./running-agents.ts";

/**
 * Hands each agent a model credential of its own, and takes it back when the agent stops. Spend
 * and turns are charged outside the agent, call by call, where the credential is checked.
 */
export interface ModelAccessProvider {
  grant(agent: AgentRecord): Promise<ModelAccess>;
  /** Takes the credential back; resolves with what was seen of the agent's model calls, if any. */
  revoke(agent: AgentRecord): Promise<ModelCallSummary | undefined>;
}

export interface WorkerDependencies {
  config: FlotillaConfig;
  store: RunStore;
  budgets: BudgetStore;
  sessions: SessionArchive;
  reporter: Reporter;
  clientFor: (installationId: number) => Promise<GitHubClient>;
  modelAccess: ModelAccessProvider;
  runningAgents: RunningAgents;
  /** How this worker isolates its agents' processes (chosen once, at start). */
  sandbox: AgentSandbox;
  log: Logger;
  /** Where running agents' live events go (the agent page's tail); none in some tests. */
  events?: AgentEventLog | undefined;
  metrics?: FlotillaMetrics | undefined;
}
