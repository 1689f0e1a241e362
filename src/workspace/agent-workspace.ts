// Prepares an agent's place on this host: the repository mirror, its own worktree on its own
// branch, and its own HOME and CLAUDE_CONFIG_DIR. Also checkpoints and cleans that place up.
// It knows git and the data dir, not GitHub: the caller says where the repository comes from.
import { mkdir, rm } from "node:fs/promises";
import type { AgentRecord, ChildMerge, RunRecord } from "../store/records.ts";
import { type AgentPaths, agentPaths, mirrorPath } from "./data-paths.ts";
import type { RepositorySource } from "./mirror.ts";
import { resolveCommit, syncMirror } from "./mirror.ts";
import {
  type Checkout,
  commitsSince,
  commitWorktree,
  isAncestor,
  isWorktreeOn,
  type PendingMerges,
  prepareWorktree,
  pushBranch,
  removeWorktree,
  type WorktreeOrigin,
} from "./worktree.ts";
import { noPool, type PoolSettings } from "./worktree-pool.ts";

export interface AgentWorkspace {
  paths: AgentPaths;
  mirrorDir: string;
  source: RepositorySource;
  origin: WorktreeOrigin;
  /** The run's `workspace: sparse:` paths: only these are checked out. */
  sparsePaths: readonly string[] | undefined;
  /** How the host pools finished worktrees (worktree-pool.ts). */
  pool: PoolSettings;
}

export interface WorkspaceHost {
  dataDir: string;
  /** Where the run's repository is fetched from and pushed to, with a token when it needs one. */
  sourceOf(run: RunRecord): Promise<RepositorySource>;
  /**
   * How finished worktrees are kept in each mirror's pool for the next agents (worktree-pool.ts).
   * @defaultValue noPool
   */
  worktreePool?: PoolSettings;
}

export async function prepareAgentWorkspace(
  host: WorkspaceHost,
  run: RunRecord,
  agent: AgentRecord,
): Promise<AgentWorkspace> {
  const paths = agentPaths(host.dataDir, agent.id);
  const mirrorDir = mirrorPath(host.dataDir, run.owner, run.repo);
  const source = await host.sourceOf(run);
  const sparsePaths = run.limits.sparsePaths;
  if (await needsFetch(checkoutOf(paths, mirrorDir, agent, sparsePaths), agent)) {
    await syncMirror(mirrorDir, source, run.headFetchRef === undefined ? [] : [run.headFetchRef]);
  }
  // An agent's record gets its start time before its worktree is first prepared: an agent
  // without one never had a branch made or pushed (by this host or another).
  const origin = await prepareWorktree({
    ...checkoutOf(paths, mirrorDir, agent, sparsePaths),
    baseSha: agent.baseSha,
    firstStart: agent.startedAt === undefined,
    fromPool: (host.worktreePool?.size ?? 0) > 0,
  });
  await Promise.all([
    mkdir(paths.workerDir, { recursive: true, mode: 0o700 }),
    mkdir(paths.claudeConfigDir, { recursive: true }),
    mkdir(paths.tmpDir, { recursive: true }),
  ]);
  return {
    paths,
    mirrorDir,
    source,
    origin,
    sparsePaths,
    pool: host.worktreePool ?? noPool,
  };
}

/**
 * Whether the mirror must learn what the repository has: not when the agent's worktree is still
 * on its branch, nor for an agent starting for the first time whose base commit is already here
 * (a child's base is its parent's commit, made in this very mirror). An agent that ran before
 * may have pushed from another host, so it fetches.
 */
async function needsFetch(checkout: Checkout, agent: AgentRecord): Promise<boolean> {
  if (await isWorktreeOn(checkout)) return false;
  const firstStart = agent.startedAt === undefined;
  return !(firstStart && (await resolveCommit(checkout.mirrorDir, agent.baseSha)) !== undefined);
}

/**
 * Commits the agent's work in progress and pushes its branch, so that another worker (or a
 * child branching from it) sees it. Returns the pushed commit, or undefined if the branch has
 * no commits of its own yet (unless asked to push anyway: a child's pull request needs its
 * parent's branch to exist).
 */
export async function checkpointWorkspace(
  workspace: AgentWorkspace,
  agent: AgentRecord,
  message: string,
  options: {
    pushEvenIfUnchanged?: boolean;
    /** The commit the agent's branch is known to hold: when nothing was committed since, no push. */
    pushedSha?: string | undefined;
  } = {},
): Promise<Checkpoint> {
  const checkout = workspaceCheckout(workspace, agent);
  const pending = pendingMergesOf(agent);
  const { head, committed } = await commitWorktree(checkout, message, pending);
  const recordedMerges: string[] = [];
  for (const merged of pending.heads)
    if (await isAncestor(checkout, merged, head)) recordedMerges.push(merged);
  // A commit just made on the branch is one since the base, and a branch still at its base has
  // none: git is asked only in between.
  const commits = committed ? 1 : head === agent.baseSha ? 0 : await commitsSince(checkout, agent.baseSha);
  if (commits === 0 && options.pushEvenIfUnchanged !== true)
    return { pushedSha: undefined, commits, recordedMerges };
  if (head === options.pushedSha) return { pushedSha: head, commits, recordedMerges };
  await pushBranch(checkout, workspace.source);
  return { pushedSha: head, commits, recordedMerges };
}

export interface Checkpoint {
  pushedSha: string | undefined;
  /** Commits on the branch since its base: 0, or at least 1 (not always the exact count). */
  commits: number;
  /** Children's commits whose merge this checkpoint (or an earlier one) recorded on the branch. */
  recordedMerges: string[];
}

/** The children's merges the agent's worktree holds but its branch does not yet (their conflicts wait for it). */
export function pendingMergesOf(agent: { childMerges: readonly ChildMerge[] }): PendingMerges {
  const pending = agent.childMerges.filter((merge) => !merge.recorded && merge.outcome !== "aborted");
  return {
    heads: pending.map((merge) => merge.commit),
    conflictFiles: [...new Set(pending.flatMap((merge) => merge.files))],
  };
}

/**
 * Removes the agent's worktree (into the mirror's pool, when it keeps one) and scratch space; its
 * branch stays on the repository.
 */
export async function removeAgentWorkspace(workspace: AgentWorkspace, agent: AgentRecord): Promise<void> {
  await removeWorktree(workspaceCheckout(workspace, agent), workspace.pool);
  await rm(workspace.paths.tmpDir, { recursive: true, force: true });
}

/** The agent's checkout, as the worker's git sees it. */
export function checkoutOf(
  paths: AgentPaths,
  mirrorDir: string,
  agent: Pick<AgentRecord, "branch">,
  sparsePaths: readonly string[] | undefined,
): Checkout {
  return {
    mirrorDir,
    worktreeDir: paths.worktree,
    indexFile: paths.gitIndex,
    branch: agent.branch,
    ...(sparsePaths === undefined ? {} : { sparse: { gitDir: paths.sparseGitDir, paths: sparsePaths } }),
  };
}

/** The checkout of a prepared workspace. */
export function workspaceCheckout(workspace: AgentWorkspace, agent: Pick<AgentRecord, "branch">): Checkout {
  return checkoutOf(workspace.paths, workspace.mirrorDir, agent, workspace.sparsePaths);
}
