// Removes a directory tree an agent could write. `rm -r` alone fails on a directory the agent made
// unreadable (chmod 000); it never follows a link. Directories are opened up first, each checked
// with lstat to be a directory (a link is never chmod-ed: that would change its target). The
// agent's processes are gone by then (its sandbox dies with it), so nothing swaps them meanwhile.
import { chmod, lstat, readdir, rm } from "node:fs/promises";
import { join } from "node:path";

export async function removeAgentOwnedTree(path: string): Promise<void> {
  try {
    await rm(path, { recursive: true, force: true });
  } catch {
    await openUpDirectories(path);
    await rm(path, { recursive: true, force: true });
  }
}

async function openUpDirectories(path: string): Promise<void> {
  const found = await lstat(path).catch(() => undefined);
  if (found === undefined || !found.isDirectory()) return;
  if ((found.mode & 0o700) !== 0o700) await chmod(path, (found.mode & 0o777) | 0o700);
  const entries = await readdir(path, { withFileTypes: true });
  for (const entry of entries) if (entry.isDirectory()) await openUpDirectories(join(path, entry.name));
}
