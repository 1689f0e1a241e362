// The shapes of the run and agent records kept in Redis hashes, and their conversion from the
// flat string fields Redis stores. Everything a process must not forget lives in these records.
import { z } from "zod";
import { runLimitsSchema } from "../config/run-limits.ts";

export const agentStates = [
  "queued",
  "preparing",
  "running",
  "waiting",
  "finishing",
  "succeeded",
  "failed",
  "cancelled",
  "out_of_budget",
  "timed_out",
] as const;
export type AgentState = (typeof agentStates)[number];

export const terminalStates: ReadonlySet<AgentState> = new Set([
  "succeeded",
  "failed",
  "cancelled",
  "out_of_budget",
  "timed_out",
]);

export function isTerminal(state: AgentState): boolean {
  return terminalStates.has(state);
}

const optionalNumber = z.coerce.number().optional();
const flag = z
  .enum(["0", "1"])
  .default("0")
  .transform((value) => value === "1");
const jsonList = z
  .string()
  .default("[]")
  .transform((text) => JSON.parse(text) as string[]);

export const reviewLocationSchema = z.object({
  path: z.string(),
  line: z.number().int().optional(),
  diffHunk: z.string(),
});
export type ReviewLocation = z.infer<typeof reviewLocationSchema>;

export const runRecordSchema = z.object({
  id: z.string(),
  deliveryId: z.string(),
  installationId: z.coerce.number(),
  owner: z.string(),
  repo: z.string(),
  cloneUrl: z.string(),
  issueNumber: z.coerce.number(),
  isPullRequest: flag,
  commentId: z.coerce.number(),
  commentUrl: z.string(),
  commenter: z.string(),
  /** The commit the run's check runs are attached to. */
  headSha: z.string(),
  /** The branch the top-level agents start from and open their pull requests against. */
  baseBranch: z.string(),
  trackingCommentId: optionalNumber,
  /**
   * Where the head commit is fetched from when no branch of the repository holds it: the
   * `refs/pull/<n>/head` ref GitHub keeps in the base repository for a fork's pull request.
   */
  headFetchRef: z.string().optional(),
  /** The file, line and diff hunk of a review comment the run was started from. */
  reviewLocation: z
    .string()
    .optional()
    .transform((text) => (text === undefined ? undefined : reviewLocationSchema.parse(JSON.parse(text)))),
  createdAt: z.coerce.number(),
  limits: z.string().transform((text) => runLimitsSchema.parse(JSON.parse(text))),
});
export type RunRecord = z.infer<typeof runRecordSchema>;

export const agentRecordSchema = z.object({
  id: z.string(),
  runId: z.string(),
  name: z.string(),
  parentId: z.string().optional(),
  depth: z.coerce.number(),
  task: z.string(),
  state: z.enum(agentStates),
  branch: z.string(),
  /** The commit the agent's branch starts from. */
  baseSha: z.string(),
  /** Bumped on retry/continue so that each new stretch of work gets a fresh job id. */
  generation: z.coerce.number().default(0),
  sessionId: z.string(),
  sessionStarted: flag,
  budgetTokens: z.coerce.number(),
  spentTokens: z.coerce.number().default(0),
  childCommittedTokens: z.coerce.number().default(0),
  costUsd: z.coerce.number().default(0),
  turns: z.coerce.number().default(0),
  maxTurns: z.coerce.number(),
  model: z.string().optional(),
  /**
   * The agent's check run: the newest, made for generation `checkRunGeneration`. A completed
   * check run is final on GitHub, so each retry or continue gets a new one (same name and
   * external_id); the older ones keep the outcome they showed.
   */
  checkRunId: optionalNumber,
  checkRunGeneration: optionalNumber,
  /** The check run's page on GitHub (its `html_url`). */
  checkRunUrl: z.string().optional(),
  /** Whether `checkRunId` was written as completed (a new generation must not leave it running). */
  checkRunCompleted: flag,
  pullRequestNumber: optionalNumber,
  pullRequestUrl: z.string().optional(),
  hasChanges: flag,
  pushedSha: z.string().optional(),
  currentStep: z.string().default(""),
  recentTools: jsonList,
  /** Sub-agents the agent ran inside its own CLI (Claude Code's Task tool): "description: status". */
  inProcessSubagents: jsonList,
  /** Why recent spawn requests of this agent were refused (budget, limits), newest last. */
  spawnRefusals: jsonList,
  summary: z.string().optional(),
  error: z.string().optional(),
  pendingMessage: z.string().optional(),
  /** The children a parked agent waits for, and why it waits. */
  waitingFor: jsonList,
  waitKind: z.enum(["asked", "ended-early"]).optional(),
  /** How the agent ended, recorded before finishing starts, so a crash mid-finish can finish it. */
  ending: z
    .string()
    .optional()
    .transform((text) =>
      text === undefined
        ? undefined
        : (JSON.parse(text) as { state: string; resultText: string; error?: string }),
    ),
  /** Since when the agent waits for a free slot of its repository (limits.maxConcurrentInRepository). */
  slotWaitSince: optionalNumber,
  /** Time spent running (not waiting), for the wall-clock limit. */
  activeMs: z.coerce.number().default(0),
  cancelRequested: flag,
  createdAt: z.coerce.number(),
  startedAt: optionalNumber,
  endedAt: optionalNumber,
  lastActivityAt: optionalNumber,
});
export type AgentRecord = z.infer<typeof agentRecordSchema>;

/** Field values as Redis stores them; `undefined` means "leave unchanged". */
export type RecordFields = Record<string, string | number | boolean | string[] | undefined>;

export function toRedisFields(fields: RecordFields): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (typeof value === "boolean") flat[name] = value ? "1" : "0";
    else if (Array.isArray(value)) flat[name] = JSON.stringify(value);
    else flat[name] = String(value);
  }
  return flat;
}
