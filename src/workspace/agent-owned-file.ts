// Reads and writes files in an agent's places, which the agent can write: any path there may be
// a symlink (to the worker's /proc/self/environ, to another agent's files), a FIFO that never
// answers, or a file of any size. So: the last component is opened with O_NOFOLLOW, the opened
// file must be a regular file at exactly the path asked for (no directory on the way was a
// link: checked on the open descriptor through /proc/self/fd, so no race), and no more than a
// cap is ever read.
import { constants } from "node:fs";
import { type FileHandle, lstat, mkdir, open, readlink, realpath } from "node:fs/promises";
import { dirname, relative, resolve, sep } from "node:path";

export class AgentFileRefusedError extends Error {
  constructor(path: string, why: string) {
    super(`Refused to use ${path}, a file in an agent's places: ${why}`);
    this.name = "AgentFileRefusedError";
  }
}

/** The file's content; undefined when there is none; AgentFileRefusedError when it is not a plain file of at most `maxBytes`. */
export async function readAgentOwnedFile(path: string, maxBytes: number): Promise<Buffer | undefined> {
  const wanted = resolve(path);
  let handle: FileHandle;
  try {
    handle = await open(wanted, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = error instanceof Error && "code" in error ? error.code : undefined;
    if (code === "ENOENT") return undefined;
    if (code === "ELOOP") throw new AgentFileRefusedError(wanted, "it is a symbolic link");
    throw error;
  }
  try {
    await requireOpenedAt(handle, wanted);
    const stats = await handle.stat();
    if (!stats.isFile()) throw new AgentFileRefusedError(wanted, "it is not a regular file");
    if (stats.size > maxBytes)
      throw new AgentFileRefusedError(wanted, `it has ${stats.size} bytes, more than ${maxBytes}`);
    return await readUpTo(handle, wanted, stats.size, maxBytes);
  } finally {
    await handle.close();
  }
}

/**
 * Reads the whole file, which had `size` bytes at its stat. The buffer is sized by that, not by
 * the cap: zero-filling a cap-sized buffer (64 MiB for a session) on every read stalled a
 * worker's event loop. It may grow between stat and read: it is read on until its end, but
 * never past the cap.
 */
async function readUpTo(handle: FileHandle, wanted: string, size: number, maxBytes: number): Promise<Buffer> {
  let buffer = Buffer.allocUnsafe(Math.min(size, maxBytes) + 1);
  let length = 0;
  for (;;) {
    const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
    if (bytesRead === 0) break;
    length += bytesRead;
    if (length > maxBytes) throw new AgentFileRefusedError(wanted, `it has more than ${maxBytes} bytes`);
    if (length === buffer.length) {
      const larger = Buffer.allocUnsafe(Math.min(buffer.length * 2, maxBytes + 1));
      buffer.copy(larger, 0, 0, length);
      buffer = larger;
    }
  }
  return buffer.subarray(0, length);
}

/** Creates a new file (never an existing one, never through a link) with `content`. */
export async function writeNewAgentOwnedFile(path: string, content: Uint8Array): Promise<void> {
  const wanted = resolve(path);
  // The directory must be where it says (no link on the way) before anything is created in it.
  if ((await realpath(dirname(wanted))) !== dirname(wanted))
    throw new AgentFileRefusedError(wanted, "a directory on its path is a symbolic link");
  const handle = await open(
    wanted,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o600,
  );
  try {
    await requireOpenedAt(handle, wanted);
    await handle.writeFile(content);
  } finally {
    await handle.close();
  }
}

async function requireOpenedAt(handle: FileHandle, wanted: string): Promise<void> {
  const opened = await readlink(`/proc/self/fd/${handle.fd}`);
  if (opened !== wanted) throw new AgentFileRefusedError(wanted, `it leads to ${opened}`);
}

/**
 * Makes `path` and the directories up to it below `root` (a directory the worker made), refusing
 * to go through anything on the way that is not a directory (a link an agent left there).
 */
export async function makeAgentOwnedDirectory(root: string, path: string): Promise<void> {
  let current = resolve(root);
  for (const part of relative(current, resolve(path)).split(sep)) {
    if (part === "" || part === "..") continue;
    current = resolve(current, part);
    const found = await lstat(current).catch(() => undefined);
    if (found === undefined) await mkdir(current);
    else if (!found.isDirectory()) throw new AgentFileRefusedError(current, "it is not a directory");
  }
}
