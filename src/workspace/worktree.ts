// Each agent's own directory: a git worktree of the shared mirror on the agent's own branch.
// A worker that picks up an agent again (after a crash or on another host) reuses the directory
// if it is still there, or restores it from the agent's pushed branch, never from scratch.
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { credentialEnvironment, git } from "./git.ts";
import { exists, type RepositorySource, resolveCommit } from "./mirror.ts";
import { withMirrorLock } from "./mirror-lock.ts";
import { classifyPushFailure } from "./push-refusal.ts";
import { removeWorktreeLocks } from "./stale-git-locks.ts";

export type WorktreeOrigin = "reused" | "restored" | "created";

export interface WorktreeSpec {
  mirrorDir: string;
  worktreeDir: string;
  branch: string;
  /** Commit a new branch starts from. */
  baseSha: string;
}

export async function prepareWorktree(spec: WorktreeSpec): Promise<WorktreeOrigin> {
  await removeWorktreeLocks(spec.mirrorDir, spec.worktreeDir, spec.branch);
  if (await isWorktreeOn(spec.worktreeDir, spec.branch)) return "reused";
  return withMirrorLock(spec.mirrorDir, async () => {
    await git(["worktree", "prune"], { cwd: spec.mirrorDir });
    await rm(spec.worktreeDir, { recursive: true, force: true });
    const pushed = await resolveCommit(spec.mirrorDir, `refs/remotes/origin/${spec.branch}`);
    if (pushed !== undefined) {
      await git(["worktree", "add", "--quiet", "-B", spec.branch, spec.worktreeDir, pushed], {
        cwd: spec.mirrorDir,
      });
      return "restored";
    }
    const local = await resolveCommit(spec.mirrorDir, `refs/heads/${spec.branch}`);
    if (local !== undefined) {
      await git(["worktree", "add", "--quiet", spec.worktreeDir, spec.branch], { cwd: spec.mirrorDir });
      return "restored";
    }
    await git(["worktree", "add", "--quiet", "-b", spec.branch, spec.worktreeDir, spec.baseSha], {
      cwd: spec.mirrorDir,
    });
    return "created";
  });
}

/** Whether the directory is a worktree checked out on the branch (left by an earlier attempt). */
export async function isWorktreeOn(worktreeDir: string, branch: string): Promise<boolean> {
  if (!(await exists(join(worktreeDir, ".git")))) return false;
  try {
    const head = await git(["symbolic-ref", "--quiet", "HEAD"], { cwd: worktreeDir });
    return head.trim() === `refs/heads/${branch}`;
  } catch {
    return false;
  }
}

/** Commits everything in the worktree; returns the new commit, or undefined if nothing changed. */
export async function commitAll(worktreeDir: string, message: string): Promise<string | undefined> {
  await git(["add", "--all"], { cwd: worktreeDir });
  const staged = await git(["diff", "--cached", "--name-only"], { cwd: worktreeDir });
  if (staged.trim() === "") return undefined;
  await git(["commit", "--quiet", "--no-verify", "-m", message], { cwd: worktreeDir });
  return headCommit(worktreeDir);
}

export async function headCommit(worktreeDir: string): Promise<string> {
  return (await git(["rev-parse", "HEAD"], { cwd: worktreeDir })).trim();
}

/** Number of commits on the worktree's branch since `baseSha`. */
export async function commitsSince(worktreeDir: string, baseSha: string): Promise<number> {
  return Number((await git(["rev-list", "--count", `${baseSha}..HEAD`], { cwd: worktreeDir })).trim());
}

/** Pushes the worktree's HEAD to the agent's branch on the repository (see push-refusal.ts). */
export async function pushBranch(
  worktreeDir: string,
  branch: string,
  source: RepositorySource,
): Promise<void> {
  // Forced: the branch belongs to this one agent and the worker holding its job is the only
  // writer; a checkpoint restored on another host may not descend from a stale local push.
  await git(["push", "--quiet", "--force", source.cloneUrl, `HEAD:refs/heads/${branch}`], {
    cwd: worktreeDir,
    env: credentialEnvironment(source.cloneUrl, await source.token?.()),
  }).catch((error: unknown) => {
    throw classifyPushFailure(error);
  });
}

export async function removeWorktree(mirrorDir: string, worktreeDir: string, branch: string): Promise<void> {
  await withMirrorLock(mirrorDir, async () => {
    await rm(worktreeDir, { recursive: true, force: true });
    await git(["worktree", "prune"], { cwd: mirrorDir });
    // update-ref, not `branch -D`: that rewrites the mirror's config file (a new inode), which
    // would detach the read-only bind mount running agents' sandboxes hold on it, or break one
    // being set up at that moment.
    await git(["update-ref", "-d", `refs/heads/${branch}`], { cwd: mirrorDir }).catch(() => undefined);
  });
}
