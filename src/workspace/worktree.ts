// Each agent's own directory: a checkout of the shared mirror on the agent's own branch. A worker
// that picks up an agent again (after a crash or on another host) reuses the directory if it is
// still there, or restores it from the agent's pushed branch, never from scratch.
//
// Two git repositories see the same files, and neither trusts the other's:
// - the worker's: the mirror (which no agent can write) with the agent's branch as a ref there and
//   an index in the worker's own places; every checkpoint commits the worktree's files with it
//   (`--git-dir=<mirror> --work-tree=<worktree>`), so nothing in the worktree is ever read as git
//   configuration, and the agent's branch moves only when the worker commits;
// - the agent's: a `.git` directory inside its worktree (agent-repository.ts). The agent may do
//   anything with it (commit, stash, rewrite its config); git skips `.git` when the worker adds
//   the worktree's files, and the worker never runs git in it again. Its HEAD stays where the
//   agent left it: Flotilla's checkpoints show there as uncommitted changes, which they are to it.
// A new worktree is a finished agent's from the mirror's pool when one is fit (worktree-pool.ts),
// else a fresh checkout; a sparse one (sparse-checkout.ts) is always fresh.
import { mkdir, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { removeAgentOwnedTree } from "./agent-owned-tree.ts";
import { makeAgentRepository } from "./agent-repository.ts";
import { credentialEnvironment, git, isGitExit } from "./git.ts";
import { exists, type RepositorySource, resolveCommit } from "./mirror.ts";
import { withMirrorLock } from "./mirror-lock.ts";
import { classifyPushFailure } from "./push-refusal.ts";
import {
  type SparseCheckout,
  sparsePatternFile,
  worktreeGitOptions,
  writeSparseGitDir,
} from "./sparse-checkout.ts";
import { removeCheckoutLocks } from "./stale-git-locks.ts";
import { noPool, type PoolSettings, poolWorktree, takePooledWorktree } from "./worktree-pool.ts";

export type WorktreeOrigin = "reused" | "restored" | "created";

/** One agent's checkout: its worktree, its branch, and the worker's index for them. */
export interface Checkout {
  mirrorDir: string;
  worktreeDir: string;
  /** The worker's index for this worktree, in the worker's own places. */
  indexFile: string;
  branch: string;
  /** Only these paths are checked out (the repository's `workspace: sparse:`). */
  sparse?: SparseCheckout | undefined;
}

export interface WorktreeSpec extends Checkout {
  /** Commit a new branch starts from. */
  baseSha: string;
  /** The agent's first start: no attempt made or pushed its branch yet, so none is looked for. */
  firstStart?: boolean;
  /** The host pools finished worktrees (WORKTREE_POOL_SIZE above 0): a new one may come from there. */
  fromPool?: boolean;
}

export async function prepareWorktree(spec: WorktreeSpec): Promise<WorktreeOrigin> {
  await removeCheckoutLocks(spec.mirrorDir, spec.indexFile, spec.branch);
  if (await isWorktreeOn(spec)) return "reused";
  return withMirrorLock(spec.mirrorDir, async () => {
    await removeAgentOwnedTree(spec.worktreeDir);
    await rm(spec.indexFile, { force: true });
    const local = spec.firstStart === true ? undefined : await branchCommit(spec);
    await checkOut(spec, local ?? spec.baseSha, spec.fromPool === true);
    return local === undefined ? "created" : "restored";
  });
}

/** Where the agent's branch is: as last pushed, else as this host left it; undefined when it has none yet. */
async function branchCommit(checkout: Checkout): Promise<string | undefined> {
  const pushed = await resolveCommit(checkout.mirrorDir, `refs/remotes/origin/${checkout.branch}`);
  return pushed ?? (await resolveCommit(checkout.mirrorDir, `refs/heads/${checkout.branch}`));
}

/**
 * Whether the agent's checkout from an earlier attempt is still here: its worktree, the worker's
 * index for it and its branch in the mirror. Decided from the worker's places only.
 */
export async function isWorktreeOn(checkout: Checkout): Promise<boolean> {
  if (!(await exists(checkout.worktreeDir)) || !(await exists(checkout.indexFile))) return false;
  if (checkout.sparse !== undefined && !(await exists(sparsePatternFile(checkout.sparse)))) return false;
  return (await resolveCommit(checkout.mirrorDir, `refs/heads/${checkout.branch}`)) !== undefined;
}

/** Fills a new worktree with `commit`, points the branch there and gives the agent its `.git`. */
async function checkOut(checkout: Checkout, commit: string, fromPool: boolean): Promise<void> {
  const recycled = fromPool && checkout.sparse === undefined && (await takePooledWorktree(checkout, commit));
  if (!recycled) {
    await mkdir(checkout.worktreeDir, { recursive: true });
    await mkdir(dirname(checkout.indexFile), { recursive: true });
  }
  // At once, each git process on its own things: the files with the worker's index, the branch
  // in the mirror, the agent's `.git` (which copies the index once it is written). All have ended
  // when this returns, failed or not: the caller's mirror lock covers them.
  const filesWritten = recycled ? Promise.resolve() : writeCheckoutFiles(checkout, commit);
  const steps = await Promise.allSettled([
    filesWritten,
    git(["update-ref", `refs/heads/${checkout.branch}`, commit], { gitDir: checkout.mirrorDir }),
    makeAgentRepository(checkout, commit, filesWritten),
  ]);
  const failed = steps.find((step) => step.status === "rejected");
  if (failed !== undefined) throw failed.reason;
}

/** Writes the commit's files into the worktree (only its sparse paths, for a sparse one) and the worker's index. */
async function writeCheckoutFiles(checkout: Checkout, commit: string): Promise<void> {
  if (checkout.sparse !== undefined) await writeSparseGitDir(checkout.sparse, commit);
  await git(["read-tree", "-u", "--reset", commit], worktreeGitOptions(checkout));
}

/** Merges the worktree holds uncommitted because their conflicts waited for the agent (merge-commit.ts). */
export interface PendingMerges {
  /** The merged commits, recorded as parents of the first commit without conflict markers. */
  heads: readonly string[];
  /** The files that had conflict markers. */
  conflictFiles: readonly string[];
}

/**
 * Commits everything in the worktree on the agent's branch; returns the commit, or undefined if
 * nothing changed. Pending merges whose conflicts are resolved become its further parents.
 */
export async function commitAll(
  checkout: Checkout,
  message: string,
  pending?: PendingMerges,
): Promise<string | undefined> {
  const { head, committed } = await commitWorktree(checkout, message, pending);
  return committed ? head : undefined;
}

/**
 * commitAll, also saying where the branch is when nothing was committed: the checkpoint needs
 * the head either way, and asking git for it again would cost a process.
 */
export async function commitWorktree(
  checkout: Checkout,
  message: string,
  pending?: PendingMerges,
): Promise<{ head: string; committed: boolean }> {
  // At once: staging writes the worker's index and objects, the lookup only reads the branch.
  const [tree, { commit: parent, tree: parentTree }] = await Promise.all([
    stageWorktree(checkout),
    headCommitAndTree(checkout),
  ]);
  const mergeParents = pending === undefined ? [] : await resolvedMerges(checkout, tree, parent, pending);
  if (tree === parentTree && mergeParents.length === 0) return { head: parent, committed: false };
  return { head: await commitOnBranch(checkout, tree, [parent, ...mergeParents], message), committed: true };
}

/** Stages every file of the worktree in the worker's index; returns the tree they make. */
export async function stageWorktree(checkout: Checkout): Promise<string> {
  const files = worktreeGitOptions(checkout);
  // `--sparse`: what an agent writes outside its sparse paths is its work too (without it, git
  // refuses such new files, exit 1, and the checkpoint fails); absent files there stay as they are.
  await git(["add", "--all", ...(checkout.sparse === undefined ? [] : ["--sparse"])], files);
  return (await git(["write-tree"], files)).trim();
}

/** Commits `tree` and moves the branch to it, from `parents[0]` only (where the branch must be). */
export async function commitOnBranch(
  checkout: Checkout,
  tree: string,
  parents: readonly [string, ...string[]],
  message: string,
): Promise<string> {
  const repository = { gitDir: checkout.mirrorDir };
  const parentArgs = parents.flatMap((commit) => ["-p", commit]);
  const commit = (await git(["commit-tree", tree, ...parentArgs, "-m", message], repository)).trim();
  await git(["update-ref", `refs/heads/${checkout.branch}`, commit, parents[0]], repository);
  return commit;
}

/** The pending merges to record now: not recorded yet, and no conflict marker left in `tree`. */
async function resolvedMerges(
  checkout: Checkout,
  tree: string,
  parent: string,
  pending: PendingMerges,
): Promise<string[]> {
  const heads: string[] = [];
  for (const head of pending.heads) if (!(await isAncestor(checkout, head, parent))) heads.push(head);
  if (heads.length === 0 || (await hasConflictMarkers(checkout, tree, pending.conflictFiles))) return [];
  return heads;
}

/** Whether a line of these files in `tree` starts like git's `<<<<<<<` or `>>>>>>>` markers. */
export async function hasConflictMarkers(
  checkout: Checkout,
  tree: string,
  paths: readonly string[],
): Promise<boolean> {
  if (paths.length === 0) return false;
  try {
    await git(["grep", "--quiet", "-E", "^(<<<<<<<|>>>>>>>)( |$)", tree, "--", ...paths], {
      gitDir: checkout.mirrorDir,
      env: { GIT_LITERAL_PATHSPECS: "1" },
    });
    return true;
  } catch (error) {
    if (isGitExit(error, 1)) return false;
    throw error;
  }
}

/** Whether `commit` is `of` or one of its ancestors. */
export async function isAncestor(checkout: Checkout, commit: string, of: string): Promise<boolean> {
  try {
    await git(["merge-base", "--is-ancestor", commit, of], { gitDir: checkout.mirrorDir });
    return true;
  } catch (error) {
    if (isGitExit(error, 1)) return false;
    throw error;
  }
}

/** The commit the agent's branch is on, in the mirror. */
export async function headCommit(checkout: Checkout): Promise<string> {
  const ref = `refs/heads/${checkout.branch}`;
  return (await git(["rev-parse", "--verify", `${ref}^{commit}`], { gitDir: checkout.mirrorDir })).trim();
}

/**
 * The branch's commit and its tree, in one git call (`--verify` takes only one name; the `--`
 * makes git refuse anything that is not a revision, as `--verify` would).
 */
export async function headCommitAndTree(checkout: Checkout): Promise<{ commit: string; tree: string }> {
  const ref = `refs/heads/${checkout.branch}`;
  const output = await git(["rev-parse", `${ref}^{commit}`, `${ref}^{tree}`, "--"], {
    gitDir: checkout.mirrorDir,
  });
  const [commit, tree] = output.split("\n");
  if (commit === undefined || tree === undefined || !objectId.test(commit) || !objectId.test(tree))
    throw new Error(
      `git rev-parse of ${ref} gave ${JSON.stringify(output.slice(0, 200))}, not a commit and a tree`,
    );
  return { commit, tree };
}

const objectId = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/** Number of commits on the agent's branch since `baseSha`. */
export async function commitsSince(checkout: Checkout, baseSha: string): Promise<number> {
  const range = `${baseSha}..refs/heads/${checkout.branch}`;
  return Number((await git(["rev-list", "--count", range], { gitDir: checkout.mirrorDir })).trim());
}

/** Pushes the agent's branch to the repository (see push-refusal.ts). */
export async function pushBranch(checkout: Checkout, source: RepositorySource): Promise<void> {
  const ref = `refs/heads/${checkout.branch}`;
  // Forced: the branch belongs to this one agent and the worker holding its job is the only
  // writer; a checkpoint restored on another host may not descend from a stale local push.
  await git(["push", "--quiet", "--force", source.cloneUrl, `${ref}:${ref}`], {
    gitDir: checkout.mirrorDir,
    env: credentialEnvironment(source.cloneUrl, await source.token?.()),
  }).catch((error: unknown) => {
    throw classifyPushFailure(error);
  });
}

/**
 * Removes the agent's worktree and its branch from the mirror; the worktree goes to the mirror's
 * pool instead when the host's `pool` settings take it (the agent has ended: nothing of its runs
 * any more).
 */
export async function removeWorktree(checkout: Checkout, pool: PoolSettings = noPool): Promise<void> {
  await withMirrorLock(checkout.mirrorDir, async () => {
    const pooled =
      checkout.sparse === undefined &&
      (await exists(checkout.worktreeDir)) &&
      (await poolWorktree(checkout, pool));
    if (!pooled) await removeAgentOwnedTree(checkout.worktreeDir);
    await rm(checkout.indexFile, { force: true });
    if (checkout.sparse !== undefined) await rm(checkout.sparse.gitDir, { recursive: true, force: true });
    await git(["update-ref", "-d", `refs/heads/${checkout.branch}`], { gitDir: checkout.mirrorDir }).catch(
      () => undefined,
    );
  });
}
