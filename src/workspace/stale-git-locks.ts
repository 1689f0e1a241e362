// Git leaves `*.lock` files behind when it is killed mid-operation, and then refuses to run
// ("Unable to create '…/index.lock': File exists"). Workers are killed at any moment, so the
// locks of an agent's own worktree and branch are removed before the agent is picked up again
// (its job lock guarantees no one else works there), and those of remote-tracking refs before a
// fetch (the mirror lock guarantees no other fetch runs).
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";

/** The locks of the worker's index for one agent and of the agent's branch in the mirror. */
export async function removeCheckoutLocks(
  mirrorDir: string,
  indexFile: string,
  branch: string,
): Promise<void> {
  await Promise.all([
    rm(`${indexFile}.lock`, { force: true }),
    rm(join(mirrorDir, "refs", "heads", `${branch}.lock`), { force: true }),
  ]);
}

export async function removeFetchLocks(mirrorDir: string): Promise<void> {
  await rm(join(mirrorDir, "packed-refs.lock"), { force: true });
  await removeLocksUnder(join(mirrorDir, "refs", "remotes"));
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
