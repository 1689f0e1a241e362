// One bare mirror per repository per host, shared by every agent's worktree there. Fetched from
// the payload's clone URL (https, file:// or a plain path); credentials are passed per command
// and never stored in the mirror's config.
import { access } from "node:fs/promises";
import { join } from "node:path";
import { credentialEnvironment, git, isGitExit } from "./git.ts";
import { withMirrorLock } from "./mirror-lock.ts";
import { sharedFetch } from "./shared-fetch.ts";
import { removeFetchLocks } from "./stale-git-locks.ts";

export interface RepositorySource {
  cloneUrl: string;
  /**
   * An installation token for http(s) remotes (unused for local ones), asked for right before
   * each authenticated git command: tokens expire, and an agent may run longer than one lives.
   */
  token?: (() => Promise<string>) | undefined;
}

/**
 * Fetches every branch of the repository into the mirror, and `extraRefs` as they are: the
 * `refs/pull/<n>/head` of a fork's pull request, whose commits no branch of the repository has.
 * Callers in this process that ask while a fetch runs share the next one.
 */
export async function syncMirror(
  mirrorDir: string,
  source: RepositorySource,
  extraRefs: readonly string[] = [],
): Promise<void> {
  for (const ref of extraRefs) {
    if (!/^refs\/pull\/\d+\/head$/.test(ref)) throw new RangeError(`Not a pull request head ref: ${ref}`);
  }
  const key = [mirrorDir, source.cloneUrl, ...extraRefs].join("\0");
  await sharedFetch(key, () => fetchIntoMirror(mirrorDir, source, extraRefs));
}

async function fetchIntoMirror(
  mirrorDir: string,
  source: RepositorySource,
  extraRefs: readonly string[],
): Promise<void> {
  await withMirrorLock(mirrorDir, async () => {
    if (!(await exists(join(mirrorDir, "HEAD")))) {
      await git(["init", "--quiet", "--bare"], { gitDir: mirrorDir });
    }
    await removeFetchLocks(mirrorDir);
    await git(
      [
        "fetch",
        "--quiet",
        "--prune",
        "--no-tags",
        source.cloneUrl,
        "+refs/heads/*:refs/remotes/origin/*",
        ...extraRefs.map((ref) => `+${ref}:${ref}`),
      ],
      {
        gitDir: mirrorDir,
        env: credentialEnvironment(source.cloneUrl, await source.token?.()),
      },
    );
  });
}

/**
 * Resolves a branch name or commit to a commit id in the mirror; undefined when the mirror has no
 * such commit (or no mirror is there yet). Any other failure (a timeout, a broken repository) is
 * thrown: "not found" would make the caller fetch, restore or create what exists.
 */
export async function resolveCommit(mirrorDir: string, reference: string): Promise<string | undefined> {
  if (!(await exists(join(mirrorDir, "HEAD")))) return undefined;
  try {
    const output = await git(["rev-parse", "--verify", "--quiet", `${reference}^{commit}`], {
      gitDir: mirrorDir,
    });
    return output.trim() || undefined;
  } catch (error) {
    // `rev-parse --verify --quiet` exits 1, and says nothing, when the name resolves to nothing.
    if (isGitExit(error, 1)) return undefined;
    throw error;
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
