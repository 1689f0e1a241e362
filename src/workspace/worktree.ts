// Each agent's own directory: a checkout of the shared mirror on the agent's own branch. A worker
// that picks up an agent again (after a crash or on another host) reuses the directory if it is
// still there, or restores it from the agent's pushed branch, never from scratch.
//
// Two git repositories see the same files, and neither trusts the other's:
// - the worker's: the mirror (which no agent can write) with the agent's branch as a ref there and
//   an index in the worker's own places; every checkpoint commits the worktree's files with it
//   (`--git-dir=<mirror> --work-tree=<worktree>`), so nothing in the worktree is ever read as git
//   configuration, and the agent's branch moves only when the worker commits;
// - the agent's: a `.git` directory inside its worktree, made by the worker before the agent
//   first runs, borrowing the mirror's objects (read-only to it) through `alternates`. The agent
//   may do anything with it (commit, stash, rewrite its config); git skips `.git` when the worker
//   adds the worktree's files, and the worker never runs git in it again. Its HEAD stays where the
//   agent left it: Flotilla's checkpoints show there as uncommitted changes, which they are to it.
import { copyFile, mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { credentialEnvironment, git, isGitExit } from "./git.ts";
import { exists, type RepositorySource, resolveCommit } from "./mirror.ts";
import { withMirrorLock } from "./mirror-lock.ts";
import { classifyPushFailure } from "./push-refusal.ts";
import { removeCheckoutLocks } from "./stale-git-locks.ts";

export type WorktreeOrigin = "reused" | "restored" | "created";

/** One agent's checkout: its worktree, its branch, and the worker's index for them. */
export interface Checkout {
  mirrorDir: string;
  worktreeDir: string;
  /** The worker's index for this worktree, in the worker's own places. */
  indexFile: string;
  branch: string;
}

export interface WorktreeSpec extends Checkout {
  /** Commit a new branch starts from. */
  baseSha: string;
}

export async function prepareWorktree(spec: WorktreeSpec): Promise<WorktreeOrigin> {
  await removeCheckoutLocks(spec.mirrorDir, spec.indexFile, spec.branch);
  if (await isWorktreeOn(spec)) return "reused";
  return withMirrorLock(spec.mirrorDir, async () => {
    await rm(spec.worktreeDir, { recursive: true, force: true });
    await rm(spec.indexFile, { force: true });
    const pushed = await resolveCommit(spec.mirrorDir, `refs/remotes/origin/${spec.branch}`);
    const local = pushed ?? (await resolveCommit(spec.mirrorDir, `refs/heads/${spec.branch}`));
    await checkOut(spec, local ?? spec.baseSha);
    return local === undefined ? "created" : "restored";
  });
}

/**
 * Whether the agent's checkout from an earlier attempt is still here: its worktree, the worker's
 * index for it and its branch in the mirror. Decided from the worker's places only.
 */
export async function isWorktreeOn(checkout: Checkout): Promise<boolean> {
  if (!(await exists(checkout.worktreeDir)) || !(await exists(checkout.indexFile))) return false;
  return (await resolveCommit(checkout.mirrorDir, `refs/heads/${checkout.branch}`)) !== undefined;
}

/** Fills a new worktree with `commit`, points the branch there and gives the agent its `.git`. */
async function checkOut(checkout: Checkout, commit: string): Promise<void> {
  await mkdir(checkout.worktreeDir, { recursive: true });
  await mkdir(dirname(checkout.indexFile), { recursive: true });
  // The agent's repository first, while the directory is still empty.
  const agentGitDir = join(checkout.worktreeDir, ".git");
  // On the agent's branch from the start: HEAD names it, so no symbolic-ref call is needed.
  await git(["init", "--quiet", `--initial-branch=${checkout.branch}`], { gitDir: agentGitDir });
  await writeFile(
    join(agentGitDir, "objects", "info", "alternates"),
    `${join(checkout.mirrorDir, "objects")}\n`,
  );
  await git(["read-tree", "-u", "--reset", commit], {
    gitDir: checkout.mirrorDir,
    workTree: checkout.worktreeDir,
    indexFile: checkout.indexFile,
  });
  await git(["update-ref", `refs/heads/${checkout.branch}`, commit], { gitDir: checkout.mirrorDir });
  // The agent's branch in its own fresh repository is a loose ref: one file, written by the
  // worker before any process of the agent exists (so nothing of the agent's can be in the way).
  const agentRef = join(agentGitDir, "refs", "heads", ...checkout.branch.split("/"));
  await mkdir(dirname(agentRef), { recursive: true });
  await writeFile(agentRef, `${commit}\n`, { flag: "wx" });
  // Same files, same commit: the agent's `git status` starts clean.
  await copyFile(checkout.indexFile, join(agentGitDir, "index"));
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
  const tree = await stageWorktree(checkout);
  const { commit: parent, tree: parentTree } = await headCommitAndTree(checkout);
  const mergeParents = pending === undefined ? [] : await resolvedMerges(checkout, tree, parent, pending);
  if (tree === parentTree && mergeParents.length === 0) return undefined;
  return commitOnBranch(checkout, tree, [parent, ...mergeParents], message);
}

/** Stages every file of the worktree in the worker's index; returns the tree they make. */
export async function stageWorktree(checkout: Checkout): Promise<string> {
  const files = { gitDir: checkout.mirrorDir, workTree: checkout.worktreeDir, indexFile: checkout.indexFile };
  await git(["add", "--all"], files);
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

export async function removeWorktree(checkout: Checkout): Promise<void> {
  await withMirrorLock(checkout.mirrorDir, async () => {
    await rm(checkout.worktreeDir, { recursive: true, force: true });
    await rm(checkout.indexFile, { force: true });
    await git(["update-ref", "-d", `refs/heads/${checkout.branch}`], { gitDir: checkout.mirrorDir }).catch(
      () => undefined,
    );
  });
}
