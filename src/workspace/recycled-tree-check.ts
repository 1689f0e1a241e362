// Whether a worktree taken from the pool holds exactly what the worker's index says, and nothing
// else: a previous agent had it, and may have left a link where a directory belongs (pointing
// out of the worktree), a `.git` anywhere, a FIFO, a hard link, a file with setuid or a
// directory nobody can read. Git's reset and clean mend most of that; this listing is the proof,
// made after them by `find`, which follows no link (and fails on a directory it cannot read).
// One `find` rather than a walk in Node: an lstat per file through the thread pool is ten times
// slower on a 50,000-file worktree.
import { runCommand } from "../process/run-command.ts";
import { type GitOptions, git } from "./git.ts";

class RecycledTreeRefusedError extends Error {
  constructor(path: string, why: string) {
    super(`A pooled worktree is not its base commit's files: ${path} ${why}`);
    this.name = "RecycledTreeRefusedError";
  }
}

/** Throws unless the worktree's files are exactly the index's entries. */
export async function checkRecycledTree(files: GitOptions & { workTree: string }): Promise<void> {
  const modes = await indexModes(files);
  const directories = new Set<string>();
  for (const [path, mode] of modes) {
    // A submodule's place: git leaves it an empty directory.
    if (mode === "160000") directories.add(path);
    for (let slash = path.indexOf("/"); slash !== -1; slash = path.indexOf("/", slash + 1))
      directories.add(path.slice(0, slash));
  }
  // `<type> <links> <permissions, octal> <path>`, each ended by a NUL.
  const listing = await runCommand("find", [files.workTree, "-mindepth", "1", "-printf", "%y %n %m %P\\0"], {
    cwd: "/",
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: "C.UTF-8" },
    timeoutMs: 300_000,
    maxBufferBytes: 256 * 1024 * 1024,
  });
  let trackedFound = 0;
  for (const record of listing.stdout.split("\0")) {
    if (record === "") continue;
    const [type = "", links = "", permissions = "", ...rest] = record.split(" ");
    const path = rest.join(" ");
    const why = mismatch(
      type,
      Number(links),
      Number.parseInt(permissions, 8),
      modes.get(path),
      directories.has(path),
    );
    if (why !== undefined) throw new RecycledTreeRefusedError(path, why);
    if (modes.has(path)) trackedFound += 1;
  }
  if (trackedFound !== modes.size) throw new RecycledTreeRefusedError(files.workTree, "misses tracked files");
}

function mismatch(
  type: string,
  links: number,
  permissions: number,
  mode: string | undefined,
  isDirectory: boolean,
): string | undefined {
  if (type === "d") {
    if (!isDirectory) return "is an untracked directory";
    return (permissions & 0o7700) === 0o700 ? undefined : "has odd permissions";
  }
  if (mode === undefined) return "is not tracked";
  if (mode === "120000") return type === "l" ? undefined : "should be a symbolic link";
  if (type !== "f") return "should be a regular file";
  if (links !== 1) return "has other hard links";
  if ((permissions & 0o7000) !== 0) return "has setuid, setgid or sticky bits";
  if ((permissions & 0o600) !== 0o600) return "is not readable and writable";
  if (((permissions & 0o100) !== 0) !== (mode === "100755")) return "has the wrong executable bit";
  return undefined;
}

/** Each tracked path with its mode, as the worker's index has it. */
async function indexModes(files: GitOptions): Promise<Map<string, string>> {
  const output = await git(["ls-files", "--stage", "-z"], files);
  const modes = new Map<string, string>();
  for (const record of output.split("\0")) {
    if (record === "") continue;
    // `<mode> <object> <stage>\t<path>`
    const tab = record.indexOf("\t");
    modes.set(record.slice(tab + 1), record.slice(0, record.indexOf(" ")));
  }
  return modes;
}
