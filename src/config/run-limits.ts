// The settings a run starts with: the process-wide ones from the environment, narrowed by the
// repository's `.github/agents.yml`. A repository can only narrow: a number above the process
// limit is clamped to it, a tool the process does not allow is dropped, and a minimum permission
// below the process's is raised to it. The limits are copied into the run record, so workers
// never read configuration.
import { z } from "zod";
import { meetsPermission, type PermissionLevel } from "../github/permissions.ts";
import type { FlotillaConfig } from "./env.ts";
import type { RepositoryConfig } from "./repository-config.ts";

/** The limits a run was started with, resolved from env and repository config at start (kept in the run's record). */
export const runLimitsSchema = z.object({
  maxDepth: z.number().int(),
  maxChildrenPerAgent: z.number().int(),
  maxAgentsPerRun: z.number().int(),
  maxTurns: z.number().int(),
  timeoutMs: z.number().int(),
  allowedTools: z.array(z.string()),
  model: z.string().optional(),
  defaultChildBudgetShare: z.number(),
  extraInstructions: z.string().optional(),
  /** Agents of the run's repository that may run at once (any run); unset: no limit. */
  maxConcurrentInRepository: z.number().int().optional(),
  /**
   * A child's pull request once its parent merged its branch: closed with a note (unset), or left
   * open, stacked on the parent's (`children: stack` in `.github/agents.yml`).
   */
  childPullRequests: z.enum(["close", "stack"]).optional(),
  /** Only these paths are checked out in the run's worktrees (`workspace: sparse:`); unset: all. */
  sparsePaths: z.array(z.string()).optional(),
});
export type RunLimits = z.infer<typeof runLimitsSchema>;

export interface RunSettings {
  limits: RunLimits;
  /** Budget of a top-level agent when the command names none. */
  defaultBudgetTokens: number;
  /** The most a command's `--budget` may ask for. */
  maxBudgetTokens: number;
  minimumPermission: PermissionLevel;
  /** Whether agents may run on a fork's pull request: only when both the repository and the operator allow it. */
  allowForks: { repository: boolean; operator: boolean };
}

export function resolveRunSettings(config: FlotillaConfig, repository: RepositoryConfig): RunSettings {
  const limits = repository.limits ?? {};
  const maxBudgetTokens = atMost(repository.budget?.max, config.maxBudgetTokens);
  const model = repository.model ?? config.model;
  const concurrent = narrowest(limits.max_concurrent_agents, config.maxConcurrentPerRepository);
  return {
    limits: {
      maxDepth: atMost(limits.max_depth, config.maxDepth),
      maxChildrenPerAgent: atMost(limits.max_children, config.maxChildrenPerAgent),
      maxAgentsPerRun: atMost(limits.max_agents_per_run, config.maxAgentsPerRun),
      maxTurns: atMost(limits.max_turns, config.maxTurns),
      timeoutMs: atMost(
        limits.timeout_minutes === undefined ? undefined : limits.timeout_minutes * 60_000,
        config.agentTimeoutMs,
      ),
      allowedTools: narrowTools(repository.allowed_tools, config.allowedTools),
      ...(model === undefined ? {} : { model }),
      defaultChildBudgetShare: config.childBudgetShare,
      ...(repository.instructions === undefined || repository.instructions.trim() === ""
        ? {}
        : { extraInstructions: repository.instructions }),
      ...(concurrent === undefined ? {} : { maxConcurrentInRepository: concurrent }),
      ...(repository.children === undefined ? {} : { childPullRequests: repository.children }),
      ...(repository.workspace?.sparse === undefined ? {} : { sparsePaths: repository.workspace.sparse }),
    },
    defaultBudgetTokens: Math.min(repository.budget?.default ?? config.defaultBudgetTokens, maxBudgetTokens),
    maxBudgetTokens,
    minimumPermission: stricterPermission(repository.access?.minimum_permission, config.minimumPermission),
    allowForks: { repository: repository.access?.allow_forks ?? false, operator: config.allowForks },
  };
}

/**
 * The repository's tools that the process allows: an entry is kept when the process allows it
 * exactly or allows its whole tool (`Bash(npm test:*)` is kept when the process allows `Bash`).
 * Without a repository list, the process's list.
 */
export function narrowTools(repository: readonly string[] | undefined, process: readonly string[]): string[] {
  if (repository === undefined) return [...process];
  const kept = repository.filter((entry) => process.includes(entry) || process.includes(toolOf(entry)));
  return [...new Set(kept)];
}

/** The tool an allow-list entry names: `Bash` for `Bash(npm test:*)`. */
function toolOf(entry: string): string {
  const open = entry.indexOf("(");
  return open === -1 ? entry : entry.slice(0, open);
}

function atMost(repository: number | undefined, process: number): number {
  return repository === undefined ? process : Math.min(repository, process);
}

function narrowest(repository: number | undefined, process: number | undefined): number | undefined {
  if (repository === undefined) return process;
  return process === undefined ? repository : Math.min(repository, process);
}

function stricterPermission(
  repository: PermissionLevel | undefined,
  process: PermissionLevel,
): PermissionLevel {
  return repository !== undefined && meetsPermission(repository, process) ? repository : process;
}
