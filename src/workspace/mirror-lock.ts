// Serializes git operations on one shared mirror across all processes of a host. Worktrees are
// separate directories, but adding, removing and fetching touch the mirror's common refs.
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import lockfile from "proper-lockfile";

export async function withMirrorLock<T>(mirrorDir: string, work: () => Promise<T>): Promise<T> {
  await mkdir(dirname(mirrorDir), { recursive: true });
  const release = await lockfile.lock(mirrorDir, {
    realpath: false,
    lockfilePath: `${mirrorDir}.lock`,
    // A holder killed with SIGKILL leaves its lock behind: it counts as stale after 10 s.
    stale: 10_000,
    update: 2_000,
    retries: { retries: 1_000, factor: 1.2, minTimeout: 20, maxTimeout: 500 },
  });
  try {
    return await work();
  } finally {
    await release();
  }
}
