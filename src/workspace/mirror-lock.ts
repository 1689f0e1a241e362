// Serializes git operations on one shared mirror across all processes of a host. Worktrees are
// separate directories, but adding, removing and fetching touch the mirror's common refs.
// Within one process the callers queue in memory first, so that only one of them at a time
// polls the lock file: a hundred agents of one repository polling it together cost their
// worker's event loop a mkdir storm.
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import lockfile from "proper-lockfile";

/** Per mirror, the end of this process's queue for its lock. */
const queues = new Map<string, Promise<unknown>>();

export function withMirrorLock<T>(mirrorDir: string, work: () => Promise<T>): Promise<T> {
  const before = queues.get(mirrorDir) ?? Promise.resolve();
  const mine = before.then(() => withLockFile(mirrorDir, work));
  const end = mine.catch(() => undefined);
  queues.set(mirrorDir, end);
  void end.then(() => {
    if (queues.get(mirrorDir) === end) queues.delete(mirrorDir);
  });
  return mine;
}

async function withLockFile<T>(mirrorDir: string, work: () => Promise<T>): Promise<T> {
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
