// Everything a Flotilla process hands its parts, in one type: built once at start (see
// start-flotilla.ts and the role starters), and taken by each part as `Pick<Services, …>` of
// what it uses, so a signature says what a function may touch and a test builds only that.
import type { Logger } from "pino";
import type { AgentSandbox } from "./agent/agent-sandbox.ts";
import type { ModelAccessProvider } from "./agent/model-access-provider.ts";
import type { RunningAgents } from "./agent/running-agents.ts";
import type { FlotillaConfig } from "./config/env.ts";
import type { GitHubClient } from "./github/github-app.ts";
import type { PageLinks } from "./links/page-links.ts";
import type { FlotillaMetrics } from "./ops/metrics.ts";
import type { Readiness } from "./ops/readiness.ts";
import type { AgentQueue } from "./queue/agent-queue.ts";
import type { Reporter } from "./reporter/reporter.ts";
import type { AgentEventLog } from "./store/agent-event-log.ts";
import type { BudgetStore } from "./store/budget-store.ts";
import type { RunStore } from "./store/run-store.ts";
import type { SessionArchive } from "./store/session-archive.ts";

export interface Services {
  config: FlotillaConfig;
  /** Carries the process role; parts add their name and the ids they work on. */
  log: Logger;
  /** Run and agent records (and, through `store.redis`, the process's commands connection). */
  store: RunStore;
  budgets: BudgetStore;
  /** Copies of agents' CLI session files, for resuming on any host. */
  sessions: SessionArchive;
  /** Running agents' live events (the agent page's tail). */
  events: AgentEventLog;
  /** Every GitHub write goes through it. */
  reporter: Reporter;
  queue: AgentQueue;
  /** A GitHub client authenticated as the app's installation. */
  clientFor: (installationId: number) => Promise<GitHubClient>;
  metrics: FlotillaMetrics;
  /** What /readyz checks; each part registers its own check. */
  readiness: Readiness;
  /** Signs agent and run page links; undefined when no page secret is configured. */
  links: PageLinks | undefined;

  // Only in a process with the worker role:
  /** Hands each running agent a model credential of its own (the worker's gateway). */
  modelAccess: ModelAccessProvider;
  /** The agents running in this process, and their tools' context. */
  runningAgents: RunningAgents;
  /** How this worker isolates its agents' processes (chosen once, at start). */
  sandbox: AgentSandbox;
}
