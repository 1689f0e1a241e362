// What the web process's handlers need: configuration, records, the agent queue and the reporter
// (through which every GitHub write goes). The web process never runs an agent.
import type { Queue } from "bullmq";
import type { Logger } from "pino";
import type { FlotillaConfig } from "../config/env.ts";
import type { AgentJobData } from "../queue/agent-queue.ts";
import type { Reporter } from "../reporter/reporter.ts";
import type { BudgetStore } from "../store/budget-store.ts";
import type { RunStore } from "../store/run-store.ts";

export interface WebDependencies {
  config: FlotillaConfig;
  store: RunStore;
  queue: Queue<AgentJobData>;
  reporter: Reporter;
  budgets: BudgetStore;
  log: Logger;
}
