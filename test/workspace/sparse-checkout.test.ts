// Sparse worktrees (`workspace: sparse:`), against real git: only the listed paths are written;
// checkpoints, pushes and merges still carry every other file as the branch has it; the mirror
// learns no sparse setting (it is shared by agents without one), and a sparse worktree is never pooled.
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRepositoryConfig } from "../../src/config/repository-config.ts";
import { runCommand } from "../../src/process/run-command.ts";
import { worktreePoolPath } from "../../src/workspace/data-paths.ts";
import { git } from "../../src/workspace/git.ts";
import { mergeIntoCheckout } from "../../src/workspace/merge-commit.ts";
import { syncMirror } from "../../src/workspace/mirror.ts";
import {
  commitAll,
  prepareWorktree,
  pushBranch,
  removeWorktree,
  type WorktreeSpec,
} from "../../src/workspace/worktree.ts";
import { type BareRemote, createBareRemote } from "../support/git-fixtures.ts";

const baseFiles = {
  "README.md": "# base\n",
  "package.json": "{}\n",
  "src/api/a.ts": "a\n",
  "src/api/deep/b.ts": "b\n",
  "src/web/c.ts": "c\n",
  "docs/d.md": "d\n",
};

let remote: BareRemote;
let dataDir: string;
let mirrorDir: string;
let baseSha: string;

beforeAll(async () => {
  remote = await createBareRemote({
    files: baseFiles,
    branches: { child: { "docs/d.md": "d, by a child\n" } },
  });
  dataDir = await mkdtemp(join(tmpdir(), "flotilla-sparse-"));
  mirrorDir = join(dataDir, "mirrors", "o", "r.git");
  await syncMirror(mirrorDir, { cloneUrl: remote.cloneUrl });
  baseSha = await remote.headSha("main");
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
  await remote.cleanup();
});

function sparseSpec(name: string, paths: readonly string[]): WorktreeSpec {
  return {
    mirrorDir,
    worktreeDir: join(dataDir, "worktrees", "r1", name),
    indexFile: join(dataDir, "worker", "r1", name, "index"),
    branch: `agents/r1/${name}`,
    baseSha,
    sparse: { gitDir: join(dataDir, "worker", "r1", name, "git"), paths },
  };
}

async function filesUnder(dir: string, prefix = ""): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const path = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (path === ".git") continue;
    if (entry.isDirectory()) found.push(...(await filesUnder(dir, path)));
    else found.push(path);
  }
  return found.sort();
}

async function treeAt(commit: string): Promise<string> {
  return git(["ls-tree", "-r", commit], { gitDir: mirrorDir });
}

describe("a sparse worktree", () => {
  it("holds only the listed paths; a checkpoint changes only what the agent changed; the pushed branch is complete", async () => {
    const agent = sparseSpec("s1", ["src/api", "package.json"]);
    expect(await prepareWorktree(agent)).toBe("created");
    expect(await filesUnder(agent.worktreeDir)).toEqual([
      "package.json",
      "src/api/a.ts",
      "src/api/deep/b.ts",
    ]);
    // The agent's own git sees nothing to commit either.
    const env = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_CONFIG_NOSYSTEM: "1",
    };
    expect((await runCommand("git", ["status", "--porcelain"], { cwd: agent.worktreeDir, env })).stdout).toBe(
      "",
    );

    await writeFile(join(agent.worktreeDir, "src", "api", "a.ts"), "a, changed\n");
    await writeFile(join(agent.worktreeDir, "src", "api", "new.ts"), "new\n");
    const commit = await commitAll(agent, "work");
    expect(commit).toMatch(/^[0-9a-f]{40}$/);
    const diff = await git(["diff-tree", "-r", "--name-status", baseSha, commit ?? ""], {
      gitDir: mirrorDir,
    });
    expect(diff.trim().split("\n").sort()).toEqual(["A\tsrc/api/new.ts", "M\tsrc/api/a.ts"]);

    await pushBranch(agent, { cloneUrl: remote.cloneUrl });
    expect(await remote.listFiles(agent.branch)).toEqual(
      [...Object.keys(baseFiles), "src/api/new.ts"].sort(),
    );
    expect(await remote.readFile(agent.branch, "src/web/c.ts")).toBe("c\n");
    expect(await remote.readFile(agent.branch, "docs/d.md")).toBe("d\n");

    // The shared mirror learned no sparse setting.
    expect(await readFile(join(mirrorDir, "config"), "utf8")).not.toMatch(/sparse/i);
    await expect(stat(join(mirrorDir, "info", "sparse-checkout"))).rejects.toThrow(/ENOENT/);
  });

  it("commits what the agent writes outside its paths, and still nothing it did not touch", async () => {
    const agent = sparseSpec("s5", ["src/api"]);
    await prepareWorktree(agent);
    await mkdir(join(agent.worktreeDir, "docs"));
    await writeFile(join(agent.worktreeDir, "docs", "new.md"), "new, outside\n");
    await writeFile(join(agent.worktreeDir, "README.md"), "# rewritten, outside\n");
    const commit = await commitAll(agent, "work outside");
    const diff = await git(["diff-tree", "-r", "--name-status", baseSha, commit ?? ""], {
      gitDir: mirrorDir,
    });
    expect(diff.trim().split("\n").sort()).toEqual(["A\tdocs/new.md", "M\tREADME.md"]);
  });

  it("never reads through a link an agent puts where a directory outside its paths belongs", async () => {
    const agent = sparseSpec("s6", ["src/api"]);
    await prepareWorktree(agent);
    const outside = join(dataDir, "outside-s6");
    await mkdir(outside);
    await writeFile(join(outside, "d.md"), "TOPSECRET\n");
    await symlink(outside, join(agent.worktreeDir, "docs"));
    const commit = await commitAll(agent, "a link");
    // The link is the agent's work (it replaces the directory); nothing behind it is read.
    expect(await git(["ls-tree", commit ?? "", "docs"], { gitDir: mirrorDir })).toMatch(/^120000 blob /);
    expect(await treeAt(commit ?? "")).not.toContain("docs/d.md");
    const blobs = await git(["rev-list", "--objects", `${baseSha}..${commit}`], { gitDir: mirrorDir });
    for (const line of blobs.trim().split("\n")) {
      const object = line.split(" ")[0] ?? "";
      if ((await git(["cat-file", "-t", object], { gitDir: mirrorDir })).trim() !== "blob") continue;
      expect(await git(["cat-file", "blob", object], { gitDir: mirrorDir })).not.toContain("TOPSECRET");
    }
  });

  it("is resumed and restored sparse", async () => {
    const agent = sparseSpec("s2", ["src/web"]);
    await prepareWorktree(agent);
    await writeFile(join(agent.worktreeDir, "src", "web", "c.ts"), "c, resumed\n");
    expect(await prepareWorktree(agent)).toBe("reused");
    await commitAll(agent, "work");
    await pushBranch(agent, { cloneUrl: remote.cloneUrl });
    // Another host: only the pushed branch.
    await removeWorktree(agent, { size: 4, minFiles: 0 });
    await syncMirror(mirrorDir, { cloneUrl: remote.cloneUrl });
    expect(await prepareWorktree(agent)).toBe("restored");
    expect(await filesUnder(agent.worktreeDir)).toEqual(["src/web/c.ts"]);
    expect(await readFile(join(agent.worktreeDir, "src", "web", "c.ts"), "utf8")).toBe("c, resumed\n");
    expect(await commitAll(agent, "nothing new")).toBeUndefined();
  });

  it("takes a child's merge on the branch without writing the child's files outside its paths", async () => {
    const parent = sparseSpec("s3", ["src/api"]);
    await prepareWorktree(parent);
    const outcome = await mergeIntoCheckout(parent, await remote.headSha("child"), "merge child", []);
    expect(outcome.kind).toBe("merged");
    expect(await filesUnder(parent.worktreeDir)).toEqual(["src/api/a.ts", "src/api/deep/b.ts"]);
    const head = await git(["rev-parse", `refs/heads/${parent.branch}`], { gitDir: mirrorDir });
    expect(await treeAt(head.trim())).toContain("docs/d.md");
    expect(await git(["show", `${head.trim()}:docs/d.md`], { gitDir: mirrorDir })).toBe("d, by a child\n");
    expect(await commitAll(parent, "nothing new")).toBeUndefined();
  });

  it("is never pooled, and its admin directory goes with it", async () => {
    const agent = sparseSpec("s4", ["docs"]);
    await prepareWorktree(agent);
    await removeWorktree(agent, { size: 4, minFiles: 0 });
    expect(await readdir(worktreePoolPath(mirrorDir)).catch(() => [])).toEqual([]);
    await expect(stat(agent.sparse?.gitDir ?? "")).rejects.toThrow(/ENOENT/);
    await expect(stat(agent.worktreeDir)).rejects.toThrow(/ENOENT/);
  });
});

describe("workspace: sparse in .github/agents.yml", () => {
  it("takes plain paths from the root, and refuses globs, .., .git and absolute paths with what to write", () => {
    expect(parseRepositoryConfig({ workspace: { sparse: ["src/api/", "package.json"] } })).toEqual({
      ok: true,
      config: { workspace: { sparse: ["src/api", "package.json"] } },
    });
    for (const bad of ["src/*", "../x", "/etc", "a/.git", ".git", "a//b", ""]) {
      const result = parseRepositoryConfig({ workspace: { sparse: [bad] } });
      expect(result.ok, bad).toBe(false);
      if (!result.ok) expect(result.problems[0]?.message).toMatch(/path from the repository's root/);
    }
    expect(parseRepositoryConfig({ workspace: { sparse: [] } }).ok).toBe(false);
  });
});
