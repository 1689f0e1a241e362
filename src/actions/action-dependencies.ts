import type { Queue } from "bullmq";
import type { Logger } from "pino";
import type { AgentJobData } from "../queue/agent-queue.ts";
import type { Reporter } from "../reporter/reporter.ts";
import type { BudgetStore } from "../store/budget-store.ts";
import type { RunStore } from "../store/run-store.ts";

/** What cancel, retry and continue need: records, budgets, the queue and the reporter. */
export interface ActionDependencies {
  store: RunStore;
  budgets: BudgetStore;
  queue: Queue<AgentJobData>;
  reporter: Reporter;
  log: Logger;
}

/** The outcome of an action, in words for the person who asked. */
export type ActionResult = { ok: true; message: string } | { ok: false; message: string };
