// The limits a run starts with: the process defaults, narrowed by the repository's own
// configuration. They are copied into the run record, so workers never read configuration.
import type { RunLimits } from "../store/records.ts";
import type { FlotillaConfig } from "./env.ts";

export function defaultRunLimits(config: FlotillaConfig): RunLimits {
  return {
    maxDepth: config.maxDepth,
    maxChildrenPerAgent: config.maxChildrenPerAgent,
    maxAgentsPerRun: config.maxAgentsPerRun,
    maxTurns: config.maxTurns,
    timeoutMs: config.agentTimeoutMs,
    allowedTools: config.allowedTools,
    ...(config.model === undefined ? {} : { model: config.model }),
    defaultChildBudgetShare: config.childBudgetShare,
  };
}
