// Git leaves `*.lock` files behind when it is killed mid-operation, and then refuses to run
// ("Unable to create '…/index.lock': File exists"). Workers are killed at any moment, so the
// locks of an agent's own worktree and branch are removed before the agent is picked up again
// (its job lock guarantees no one else works there), and those of remote-tracking refs before a
// fetch (the mirror lock guarantees no other fetch runs).
import { readdir, readFile, rm } from "node:fs/promises";
import { join, resolve } from "node:path";

export async function removeWorktreeLocks(
  mirrorDir: string,
  worktreeDir: string,
  branch: string,
): Promise<void> {
  const adminDir = await worktreeAdminDir(worktreeDir);
  await Promise.all([
    ...(adminDir === undefined ? [] : [rm(join(adminDir, "index.lock"), { force: true })]),
    rm(join(mirrorDir, "refs", "heads", `${branch}.lock`), { force: true }),
  ]);
}

export async function removeFetchLocks(mirrorDir: string): Promise<void> {
  await rm(join(mirrorDir, "packed-refs.lock"), { force: true });
  await removeLocksUnder(join(mirrorDir, "refs", "remotes"));
}

/** The worktree's private git dir inside the mirror, from its `.git` file ("gitdir: …"). */
async function worktreeAdminDir(worktreeDir: string): Promise<string | undefined> {
  const pointer = await readFile(join(worktreeDir, ".git"), "utf8").catch(() => undefined);
  const path = pointer?.match(/^gitdir:\s*(.+)$/m)?.[1]?.trim();
  return path === undefined ? undefined : resolve(worktreeDir, path);
}

async function removeLocksUnder(directory: string): Promise<void> {
  const entries = await readdir(directory, { withFileTypes: true }).catch(() => []);
  await Promise.all(
    entries.map((entry) => {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) return removeLocksUnder(path);
      return entry.name.endsWith(".lock") ? rm(path, { force: true }) : Promise.resolve();
    }),
  );
}
