// The shapes of the run and agent records kept in Redis hashes, and their conversion from the
// flat string fields Redis stores. Everything a process must not forget lives in these records.
import { z } from "zod";
import { runLimitsSchema } from "../config/run-limits.ts";

const agentStates = [
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

const terminalStates = [
  "succeeded",
  "failed",
  "cancelled",
  "out_of_budget",
  "timed_out",
] as const satisfies readonly AgentState[];
/** The states an agent ends in; it leaves them only by a retry or a continue. */
export type TerminalState = (typeof terminalStates)[number];

export function isTerminal(state: AgentState): state is TerminalState {
  return terminalStates.some((terminal) => terminal === state);
}

const optionalNumber = z.coerce.number().optional();
/** A yes/no field as Redis keeps it ("1" or "0"); absent reads as no. */
export const storedFlag = z
  .enum(["0", "1"])
  .default("0")
  .transform((value) => value === "1");
/** A field Redis keeps as JSON text, checked against `schema` as it is read. */
function jsonText<Schema extends z.ZodType>(schema: Schema) {
  return z
    .string()
    .transform((text): unknown => JSON.parse(text))
    .pipe(schema);
}
const jsonList = jsonText(z.array(z.string())).default([]);

const reviewLocationSchema = z.object({
  path: z.string(),
  line: z.number().int().optional(),
  diffHunk: z.string(),
});
export type ReviewLocation = z.infer<typeof reviewLocationSchema>;

/** How an agent ended (RunStore.recordEnding); its whole answer is kept apart, as its result. */
const endingSchema = z.object({
  state: z.enum(terminalStates),
  resultText: z.string().default(""),
  error: z.string().optional(),
});

/** What became of one child's branch when its parent took its children's work in (worker/integrate-children.ts). */
const childMergeSchema = z.object({
  childId: z.string(),
  /** merged: cleanly; conflicted: stopped with conflict markers for the parent; aborted: nothing of it merged. */
  outcome: z.enum(["merged", "conflicted", "aborted"]),
  /** The child's commit that was merged. */
  commit: z.string(),
  /** Whether the parent's branch holds the merge commit (a conflict's once the parent committed its resolution). */
  recorded: z.boolean(),
  /** The files left with conflict markers. */
  files: z.array(z.string()).default([]),
  /** Why it was aborted. */
  reason: z.string().optional(),
});
export type ChildMerge = z.infer<typeof childMergeSchema>;

export const runRecordSchema = z.object({
  id: z.string(),
  deliveryId: z.string(),
  installationId: z.coerce.number(),
  owner: z.string(),
  repo: z.string(),
  cloneUrl: z.string(),
  issueNumber: z.coerce.number(),
  isPullRequest: storedFlag,
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
  reviewLocation: jsonText(reviewLocationSchema).optional(),
  createdAt: z.coerce.number(),
  /** `--stack`: the run's task list becomes a chain of pull requests, one per item (worker/stack-children.ts). */
  stack: storedFlag,
  /** Why the run's agents were stopped from outside (its pull request closed): shown on its tracking comment. */
  stopNote: z.string().optional(),
  limits: jsonText(runLimitsSchema),
});
export type RunRecord = z.infer<typeof runRecordSchema>;

export const agentRecordSchema = z.object({
  id: z.string(),
  runId: z.string(),
  name: z.string(),
  parentId: z.string().optional(),
  /**
   * agent: runs `claude` on its task. integrator: the implicit root of a task list on an issue
   * (runs/fan-out-plan.ts); it waits for its children, merges their branches and opens one pull
   * request, and starts `claude` only to resolve a merge conflict.
   */
  role: z.enum(["agent", "integrator"]).default("agent"),
  depth: z.coerce.number(),
  task: z.string(),
  state: z.enum(agentStates),
  branch: z.string(),
  /** The commit the agent's branch starts from. */
  baseSha: z.string(),
  /** Bumped on retry/continue so that each new stretch of work gets a fresh job id. */
  generation: z.coerce.number().default(0),
  sessionId: z.string(),
  sessionStarted: storedFlag,
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
  checkRunCompleted: storedFlag,
  pullRequestNumber: optionalNumber,
  pullRequestUrl: z.string().optional(),
  hasChanges: storedFlag,
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
  /** The children a parked agent waits for, and why it waits (`model`: for the model API, not children). */
  waitingFor: jsonList,
  waitKind: z.enum(["asked", "ended-early", "model"]).optional(),
  /** The agent asked wait_for_agents not to merge its children's branches into its own. */
  mergeDeclined: storedFlag,
  /** What became of each child's branch merged into this agent's, in the order they were merged. */
  childMerges: jsonText(z.array(childMergeSchema)).default([]),
  /**
   * In a `--stack` run, the branch this item's pull request targets (the previous item's, or the
   * run's base), set once its integrating root pushed the stacked commit to this item's branch.
   */
  stackBase: z.string().optional(),
  /** This child's pull request was closed because its parent's branch holds its work. */
  closedAsMerged: storedFlag,
  /** The model API's last trouble with this agent's calls, in words (the gateway's record). */
  modelTrouble: z.string().optional(),
  /** When an agent parked for the model resumes (ms since the epoch). */
  modelResumeAt: optionalNumber,
  /** Since when the model has kept this agent waiting, and how often it parked since (backoff). */
  modelWaitSince: optionalNumber,
  modelWaits: z.coerce.number().default(0),
  /** Set by `/agents continue` on an agent parked for the model: resume now, brake or not. */
  modelResumeNow: storedFlag,
  /** Fresh sessions started because the conversation outgrew the model's context window. */
  contextResets: z.coerce.number().default(0),
  /** What a fresh session after an over-long conversation is told of the work so far. */
  handoff: z.string().optional(),
  /** How the agent ended, recorded before finishing starts, so a crash mid-finish can finish it. */
  ending: jsonText(endingSchema).optional(),
  /** Since when the agent waits for a free slot of its repository (limits.maxConcurrentInRepository). */
  slotWaitSince: optionalNumber,
  /** Time spent running (not waiting), for the wall-clock limit. */
  activeMs: z.coerce.number().default(0),
  cancelRequested: storedFlag,
  /** The worker host the agent last ran on (its WORKER_HOST_NAME). */
  host: z.string().optional(),
  createdAt: z.coerce.number(),
  startedAt: optionalNumber,
  endedAt: optionalNumber,
  lastActivityAt: optionalNumber,
});
export type AgentRecord = z.infer<typeof agentRecordSchema>;

/**
 * Record fields as Redis stores them, the way the schemas above read them back: flags as "1"/"0",
 * lists and objects as JSON, the rest as text; `undefined` means "leave unchanged".
 */
export function toRedisFields(fields: Readonly<Record<string, unknown>>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (typeof value === "boolean") flat[name] = value ? "1" : "0";
    else if (typeof value === "object" && value !== null) flat[name] = JSON.stringify(value);
    else flat[name] = String(value);
  }
  return flat;
}
