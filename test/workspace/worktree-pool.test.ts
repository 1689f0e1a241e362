// The mirror's pool of finished worktrees, against real git and real files: a new agent starts
// from a finished one and git writes only what differs; a worktree its agent left hostile (a
// link for a directory, a planted `.git`, an unreadable directory, a FIFO, a hard link) ends up
// exactly its base commit's files or is thrown away, and the worker never writes outside it nor
// reads what was planted as git configuration. The planting is done as an agent would: plain
// file operations in its worktree.
import {
  chmod,
  link,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  symlink,
  utimes,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCommand } from "../../src/process/run-command.ts";
import { worktreePoolPath } from "../../src/workspace/data-paths.ts";
import { syncMirror } from "../../src/workspace/mirror.ts";
import {
  commitAll,
  prepareWorktree,
  removeWorktree,
  type WorktreeSpec,
} from "../../src/workspace/worktree.ts";
import { type BareRemote, createBareRemote } from "../support/git-fixtures.ts";

const baseFiles = {
  "README.md": "# base\n",
  ".gitignore": "build/\n",
  "keep.txt": "kept\n",
  "src/a.txt": "a\n",
  "src/lib/b.txt": "b\n",
  "docs/c.md": "c\n",
};

let remote: BareRemote;
let dataDir: string;
let mirrorDir: string;
let baseSha: string;
let nextSha: string;

beforeAll(async () => {
  remote = await createBareRemote({ files: baseFiles, branches: { next: { "src/a.txt": "a, next\n" } } });
  dataDir = await mkdtemp(join(tmpdir(), "flotilla-pool-"));
  mirrorDir = join(dataDir, "mirrors", "o", "r.git");
  await syncMirror(mirrorDir, { cloneUrl: remote.cloneUrl });
  baseSha = await remote.headSha("main");
  nextSha = await remote.headSha("next");
});

afterAll(async () => {
  // Whatever a test left unreadable must not stop the clean-up.
  await execa("chmod", ["-R", "u+rwx", dataDir], { reject: false });
  await rm(dataDir, { recursive: true, force: true });
  await remote.cleanup();
});

function spec(name: string, base = baseSha): WorktreeSpec {
  return {
    mirrorDir,
    worktreeDir: join(dataDir, "worktrees", "r1", name),
    indexFile: join(dataDir, "worker", "r1", name, "index"),
    branch: `agents/r1/${name}`,
    baseSha: base,
    fromPool: true,
  };
}

/** Every entry of the worktree but its top `.git`, as `<kind> <path>`, read with lstat only. */
async function entriesOf(dir: string, prefix = ""): Promise<string[]> {
  const found: string[] = [];
  for (const name of (await readdir(join(dir, prefix))).sort()) {
    const path = prefix === "" ? name : `${prefix}/${name}`;
    if (path === ".git") continue;
    const stats = await lstat(join(dir, path));
    if (stats.isDirectory()) found.push(`dir ${path}`, ...(await entriesOf(dir, path)));
    else found.push(`${stats.isFile() ? "file" : "other"} ${path}`);
  }
  return found;
}

const baseEntries = [
  "file .gitignore",
  "file README.md",
  "dir docs",
  "file docs/c.md",
  "file keep.txt",
  "dir src",
  "file src/a.txt",
  "dir src/lib",
  "file src/lib/b.txt",
].sort((a, b) => a.split(" ")[1]!.localeCompare(b.split(" ")[1]!));

async function sortedEntries(dir: string): Promise<string[]> {
  return (await entriesOf(dir)).sort((a, b) => a.split(" ")[1]!.localeCompare(b.split(" ")[1]!));
}

/** What the agent's own git says, run as its tools would (in the worktree, finding its `.git`). */
async function agentGit(worktree: string, args: string[]): Promise<string> {
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_CONFIG_NOSYSTEM: "1",
  };
  return (await runCommand("git", args, { cwd: worktree, env })).stdout.trim();
}

async function poolEntries(): Promise<string[]> {
  return readdir(worktreePoolPath(mirrorDir)).catch((): string[] => []);
}

/** An agent that ran, checkpointed, and finished: its worktree goes to the pool. */
async function finishedAgent(
  name: string,
  leave: (worktree: string) => Promise<void>,
): Promise<WorktreeSpec> {
  const agent = spec(name);
  expect(await prepareWorktree(agent)).toBe("created");
  await writeFile(join(agent.worktreeDir, "src", "a.txt"), `changed by ${name}\n`);
  await commitAll(agent, "work");
  await leave(agent.worktreeDir);
  await removeWorktree(agent, { size: 4, minFiles: 0 });
  expect(await poolEntries()).toHaveLength(1);
  return agent;
}

describe("the worktree pool", () => {
  it("gives a new agent a finished worktree: only changed files are written, the rest keep their inodes", async () => {
    const before: Record<string, number> = {};
    await finishedAgent("p1", async (worktree) => {
      await mkdir(join(worktree, "build"));
      await writeFile(join(worktree, "build", "ignored.o"), "ignored\n");
      await writeFile(join(worktree, "untracked.txt"), "left behind\n");
      await writeFile(join(worktree, "docs", "c.md"), "edited, not committed\n");
      for (const path of ["keep.txt", "src/lib/b.txt", "README.md"])
        before[path] = (await stat(join(worktree, path))).ino;
    });
    expect(await poolEntries()).toHaveLength(1);

    const next = spec("p2", nextSha);
    expect(await prepareWorktree(next)).toBe("created");
    expect(await poolEntries()).toEqual([]);
    for (const [path, inode] of Object.entries(before))
      expect((await stat(join(next.worktreeDir, path))).ino).toBe(inode);
    expect(await sortedEntries(next.worktreeDir)).toEqual(baseEntries);
    expect(await readFile(join(next.worktreeDir, "src", "a.txt"), "utf8")).toBe("a, next\n");
    expect(await readFile(join(next.worktreeDir, "docs", "c.md"), "utf8")).toBe("c\n");
    // A repository of its own, on its branch at its base, with nothing to commit.
    expect(await agentGit(next.worktreeDir, ["rev-parse", "HEAD"])).toBe(nextSha);
    expect(await agentGit(next.worktreeDir, ["status", "--porcelain", "--ignored"])).toBe("");
    expect(await commitAll(next, "nothing")).toBeUndefined();
    await removeWorktree(next);
  });

  it("keeps at most its size, the newest", async () => {
    const agents = ["q1", "q2", "q3"].map((name) => spec(name));
    for (const agent of agents) await prepareWorktree(agent);
    for (const agent of agents) await removeWorktree(agent, { size: 2, minFiles: 0 });
    expect(await poolEntries()).toHaveLength(2);
    for (const name of ["q4", "q5"]) {
      await prepareWorktree(spec(name));
      await removeWorktree(spec(name));
    }
    expect(await poolEntries()).toEqual([]);
  });

  it("does not keep a worktree of fewer files than WORKTREE_POOL_MIN_FILES: a fresh checkout is faster", async () => {
    const files = baseEntries.filter((entry) => entry.startsWith("file ")).length;
    const small = spec("m1");
    await prepareWorktree(small);
    await removeWorktree(small, { size: 4, minFiles: files + 1 });
    expect(await poolEntries()).toEqual([]);
    await expect(stat(small.worktreeDir)).rejects.toThrow(/ENOENT/);
    await expect(stat(small.indexFile)).rejects.toThrow(/ENOENT/);
    const enough = spec("m2");
    await prepareWorktree(enough);
    await removeWorktree(enough, { size: 4, minFiles: files });
    expect(await poolEntries()).toHaveLength(1);
    await prepareWorktree(spec("m3"));
    expect(await poolEntries()).toEqual([]);
    await removeWorktree(spec("m3"));
  });

  it("is not taken from on a host that keeps none (WORKTREE_POOL_SIZE=0)", async () => {
    const finished = spec("z1");
    await prepareWorktree(finished);
    await removeWorktree(finished, { size: 4, minFiles: 0 });
    expect(await poolEntries()).toHaveLength(1);
    const next = { ...spec("z2"), fromPool: false };
    await prepareWorktree(next);
    expect(await poolEntries()).toHaveLength(1);
    await removeWorktree(next);
    await prepareWorktree(spec("z3"));
    expect(await poolEntries()).toEqual([]);
    await removeWorktree(spec("z3"));
  });
});

describe("a pooled worktree its agent left hostile", () => {
  it("a directory swapped for a link to outside: the outside is not touched, the new worktree is the base tree", async () => {
    const outside = join(dataDir, "agents", "r1", "h1", "tmp");
    await finishedAgent("h1", async (worktree) => {
      await mkdir(outside, { recursive: true });
      // The tracked files moved out keep their inodes and ctimes: seen through the link, they look untouched.
      await rename(join(worktree, "src"), join(outside, "src"));
      await symlink(join(outside, "src"), join(worktree, "src"));
      await writeFile(join(outside, "src", "not-tracked.txt"), "outside\n");
    });
    const outsideBefore = await snapshot(outside);
    const next = spec("h1-next", nextSha);
    await prepareWorktree(next);
    expect(await snapshot(outside)).toEqual(outsideBefore);
    expect(await sortedEntries(next.worktreeDir)).toEqual(baseEntries);
    expect(await readFile(join(next.worktreeDir, "src", "a.txt"), "utf8")).toBe("a, next\n");
    expect(await poolEntries()).toEqual([]);
    await removeWorktree(next);
  });

  it("planted .git files and directories are never read as git configuration, and are gone", async () => {
    const marker = join(dataDir, "planted-config-ran");
    const hostile = `[core]\n\tfsmonitor = touch ${marker}\n\thooksPath = ${dataDir}\n[filter "evil"]\n\tclean = sh -c 'touch ${marker}; cat'\n\tsmudge = sh -c 'touch ${marker}; cat'\n`;
    await finishedAgent("h2", async (worktree) => {
      await mkdir(join(worktree, "docs", ".git"), { recursive: true });
      await writeFile(join(worktree, "docs", ".git", "config"), hostile);
      await writeFile(join(worktree, "docs", ".git", "HEAD"), "ref: refs/heads/main\n");
      await writeFile(join(worktree, "src", ".git"), `gitdir: ${join(dataDir, "nowhere")}\n`);
      await writeFile(join(worktree, ".gitattributes"), "* filter=evil\n");
      // And its own `.git` rewritten, as it may.
      await writeFile(join(worktree, ".git", "config"), hostile, { flag: "a" });
    });
    const next = spec("h2-next", nextSha);
    await prepareWorktree(next);
    await expect(stat(marker)).rejects.toThrow(/ENOENT/);
    expect(await sortedEntries(next.worktreeDir)).toEqual(baseEntries);
    expect(await readFile(join(next.worktreeDir, ".git", "config"), "utf8")).not.toContain("fsmonitor");
    await writeFile(join(next.worktreeDir, "keep.txt"), "new work\n");
    expect(await commitAll(next, "work")).toMatch(/^[0-9a-f]{40}$/);
    await expect(stat(marker)).rejects.toThrow(/ENOENT/);
    await removeWorktree(next);
  });

  it("an unreadable directory, a FIFO, a hard link and odd modes: cleaned or thrown away, never kept", async () => {
    const outside = join(dataDir, "agents", "r1", "h3", "home");
    await finishedAgent("h3", async (worktree) => {
      await mkdir(outside, { recursive: true });
      await link(join(worktree, "keep.txt"), join(outside, "linked.txt"));
      await execa("mkfifo", [join(worktree, "docs", "pipe")]);
      await mkdir(join(worktree, "build", "locked"), { recursive: true });
      await writeFile(join(worktree, "build", "locked", "secret"), "x\n");
      await chmod(join(worktree, "build", "locked"), 0);
      await chmod(join(worktree, "README.md"), 0o4755);
      await chmod(join(worktree, "src", "lib"), 0);
    });
    const next = spec("h3-next");
    await prepareWorktree(next);
    expect(await sortedEntries(next.worktreeDir)).toEqual(baseEntries);
    expect((await stat(join(next.worktreeDir, "keep.txt"))).nlink).toBe(1);
    expect((await stat(join(next.worktreeDir, "README.md"))).mode & 0o7111).toBe(0);
    expect((await stat(join(next.worktreeDir, "src", "lib"))).mode & 0o700).toBe(0o700);
    expect(await readFile(join(outside, "linked.txt"), "utf8")).toBe("kept\n");
    expect(await poolEntries()).toEqual([]);
    await removeWorktree(next);
  });

  it("a file changed behind git's back (same size, its old mtime): its content is still the commit's", async () => {
    let readmeInode = 0;
    await finishedAgent("h4", async (worktree) => {
      readmeInode = (await stat(join(worktree, "README.md"))).ino;
      const path = join(worktree, "keep.txt");
      const { atime, mtime } = await stat(path);
      await writeFile(path, "KEPT\n");
      await utimes(path, atime, mtime);
    });
    const next = spec("h4-next");
    await prepareWorktree(next);
    expect(await readFile(join(next.worktreeDir, "keep.txt"), "utf8")).toBe("kept\n");
    expect(await sortedEntries(next.worktreeDir)).toEqual(baseEntries);
    // Reused, not checked out afresh.
    expect((await stat(join(next.worktreeDir, "README.md"))).ino).toBe(readmeInode);
    await removeWorktree(next);
  });
});

/** Every file below `dir` with its content and mtime, read with lstat and no link followed. */
async function snapshot(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const path = join(dir, name);
    const stats = await lstat(path);
    if (stats.isDirectory()) found.push(`dir ${path}`, ...(await snapshot(path)));
    else found.push(`${path} ${stats.mtimeMs} ${stats.ino} ${await readFile(path, "utf8")}`);
  }
  return found;
}
