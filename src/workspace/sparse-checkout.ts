// Sparse worktrees (`workspace: sparse:` in `.github/agents.yml`): only the listed paths are
// written, and the worker's checkpoints still commit every other file as it is on the branch.
// Git's own sparse checkout does this (skip-worktree bits it keeps through `read-tree -u` and
// `add --all`), but it reads its patterns from `<git dir>/info/sparse-checkout`, and the mirror is
// shared by agents of runs with other settings. So a sparse agent's worker-side git runs with an
// admin directory of its own, in the worker's places (`GIT_DIR`), that borrows everything else
// from the mirror (`GIT_COMMON_DIR`): refs, objects and config are the mirror's, the patterns the
// agent's. Files an agent writes outside its paths are committed like any other (`add --sparse`).
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { GitOptions } from "./git.ts";

export interface SparseCheckout {
  /** The worker's admin directory for this worktree (AgentPaths.sparseGitDir). */
  gitDir: string;
  /** Paths from the repository's root, checked by the repository config: plain names, no globs. */
  paths: readonly string[];
}

/** What the worker's git needs to see a worktree's files through the worker's index. */
export function worktreeGitOptions(checkout: {
  mirrorDir: string;
  worktreeDir: string;
  indexFile: string;
  sparse?: SparseCheckout | undefined;
}): GitOptions {
  const files = { workTree: checkout.worktreeDir, indexFile: checkout.indexFile };
  if (checkout.sparse === undefined) return { gitDir: checkout.mirrorDir, ...files };
  return { gitDir: checkout.sparse.gitDir, commonDir: checkout.mirrorDir, sparseCheckout: true, ...files };
}

/** Writes the worker's admin directory for a sparse worktree on `commit` (HEAD is unused but required). */
export async function writeSparseGitDir(sparse: SparseCheckout, commit: string): Promise<void> {
  await mkdir(join(sparse.gitDir, "info"), { recursive: true, mode: 0o700 });
  await writeFile(join(sparse.gitDir, "HEAD"), `${commit}\n`);
  await writeFile(sparsePatternFile(sparse), sparsePatterns(sparse.paths));
}

/** Written last: with it there, the admin directory is complete. */
export function sparsePatternFile(sparse: SparseCheckout): string {
  return join(sparse.gitDir, "info", "sparse-checkout");
}

/** One anchored pattern a path: a file, or a directory with all it holds. */
function sparsePatterns(paths: readonly string[]): string {
  return paths.map((path) => `/${path.replace(/\/+$/, "")}\n`).join("");
}
