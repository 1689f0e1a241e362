import type { Queue } from "bullmq";
import type { Logger } from "pino";
import type { AgentJobData } from "../queue/agent-queue.ts";
import type { Reporter } from "../reporter/reporter.ts";
import type { BudgetStore } from "../store/budget-store.ts";
import type { RunStore } from "../store/run-store.ts";
import type { RunningAgents } from "../worker/running-agents.ts";

/** What the agent tools need: records, budgets, the queue for children, and the running agents. */
export interface SpawnDependencies {
  store: RunStore;
  budgets: BudgetStore;
  queue: Queue<AgentJobData>;
  reporter: Reporter;
  runningAgents: RunningAgents;
  log: Logger;
}
