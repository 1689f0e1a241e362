// Mirrors and worktrees against real git: each agent gets its own directory on its own branch
// from one shared mirror; a worktree comes back from the pushed branch, not from scratch; locks
// git leaves behind when killed do not block the next worker.
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { credentialEnvironment, git } from "../../src/workspace/git.ts";
import { resolveCommit, syncMirror } from "../../src/workspace/mirror.ts";
import { commitAll, prepareWorktree, pushBranch, removeWorktree } from "../../src/workspace/worktree.ts";
import { type BareRemote, createBareRemote } from "../support/git-fixtures.ts";

let remote: BareRemote;
let dataDir: string;
let mirrorDir: string;
let baseSha: string;

beforeAll(async () => {
  remote = await createBareRemote({ files: { "README.md": "# base\n", "shared.txt": "original\n" } });
  dataDir = await mkdtemp(join(tmpdir(), "flotilla-workspace-"));
  mirrorDir = join(dataDir, "mirrors", "o", "r.git");
  await syncMirror(mirrorDir, { cloneUrl: remote.cloneUrl });
  baseSha = await remote.headSha("main");
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
  await remote.cleanup();
});

function spec(name: string) {
  return {
    mirrorDir,
    worktreeDir: join(dataDir, "worktrees", "r1", name),
    branch: `agents/r1/${name}`,
    baseSha,
  };
}

describe("worktrees", () => {
  it("gives agents working in parallel their own directories and branches; each push holds only its own content", async () => {
    const names = ["a", "b", "c", "d"];
    const origins = await Promise.all(names.map((name) => prepareWorktree(spec(name))));
    expect(origins).toEqual(["created", "created", "created", "created"]);
    await Promise.all(
      names.map(async (name) => {
        await writeFile(join(spec(name).worktreeDir, "shared.txt"), `written by ${name}\n`);
        await commitAll(spec(name).worktreeDir, `${name} writes`);
        await pushBranch(spec(name).worktreeDir, spec(name).branch, { cloneUrl: remote.cloneUrl });
      }),
    );
    for (const name of names) {
      expect(await remote.readFile(spec(name).branch, "shared.txt")).toBe(`written by ${name}\n`);
    }
    expect(await remote.readFile("main", "shared.txt")).toBe("original\n");
  });

  it("reuses a surviving worktree (with uncommitted work), else restores it from the pushed branch", async () => {
    const first = spec("e");
    await prepareWorktree(first);
    await writeFile(join(first.worktreeDir, "wip.txt"), "not committed\n");
    expect(await prepareWorktree(first)).toBe("reused");
    expect(await readFile(join(first.worktreeDir, "wip.txt"), "utf8")).toBe("not committed\n");

    await commitAll(first.worktreeDir, "checkpoint");
    await pushBranch(first.worktreeDir, first.branch, { cloneUrl: remote.cloneUrl });
    // Another host: no worktree, no local branch, only what was pushed.
    await rm(first.worktreeDir, { recursive: true, force: true });
    await git(["worktree", "prune"], { cwd: mirrorDir });
    await git(["branch", "-D", first.branch], { cwd: mirrorDir });
    await syncMirror(mirrorDir, { cloneUrl: remote.cloneUrl });
    expect(await prepareWorktree(first)).toBe("restored");
    expect(await readFile(join(first.worktreeDir, "wip.txt"), "utf8")).toBe("not committed\n");
  });

  it("is not blocked by the index lock of a git killed mid-commit", async () => {
    const agent = spec("f");
    await prepareWorktree(agent);
    const pointer = await readFile(join(agent.worktreeDir, ".git"), "utf8");
    const adminDir = pointer.replace(/^gitdir:\s*/, "").trim();
    await writeFile(join(adminDir, "index.lock"), "");
    await writeFile(join(agent.worktreeDir, "after-crash.txt"), "x\n");
    await expect(commitAll(agent.worktreeDir, "blocked")).rejects.toThrow(/index\.lock/);
    expect(await prepareWorktree(agent)).toBe("reused");
    expect(await commitAll(agent.worktreeDir, "after restart")).toMatch(/^[0-9a-f]{40}$/);
  });

  it("is not blocked by ref locks of a fetch killed midway", async () => {
    await mkdir(join(mirrorDir, "refs", "remotes", "origin"), { recursive: true });
    await writeFile(join(mirrorDir, "refs", "remotes", "origin", "main.lock"), "");
    await syncMirror(mirrorDir, { cloneUrl: remote.cloneUrl });
    expect(await resolveCommit(mirrorDir, "refs/remotes/origin/main")).toBe(baseSha);
  });

  it("removes a worktree and its local branch, keeping the pushed branch", async () => {
    const agent = spec("g");
    await prepareWorktree(agent);
    await writeFile(join(agent.worktreeDir, "g.txt"), "g\n");
    await commitAll(agent.worktreeDir, "g");
    await pushBranch(agent.worktreeDir, agent.branch, { cloneUrl: remote.cloneUrl });
    await removeWorktree(mirrorDir, agent.worktreeDir, agent.branch);
    expect(await resolveCommit(mirrorDir, `refs/heads/${agent.branch}`)).toBeUndefined();
    expect(await remote.readFile(agent.branch, "g.txt")).toBe("g\n");
  });

  it("never replaces the mirror's config file, so agents' read-only mounts of it hold", async () => {
    const configInode = async () => (await stat(join(mirrorDir, "config"))).ino;
    const before = await configInode();
    const agent = spec("h");
    await prepareWorktree(agent);
    await writeFile(join(agent.worktreeDir, "h.txt"), "h\n");
    await commitAll(agent.worktreeDir, "h");
    await pushBranch(agent.worktreeDir, agent.branch, { cloneUrl: remote.cloneUrl });
    await syncMirror(mirrorDir, { cloneUrl: remote.cloneUrl });
    await removeWorktree(mirrorDir, agent.worktreeDir, agent.branch);
    expect(await configInode()).toBe(before);
  });
});

describe("credentials", () => {
  it("travel only to http(s) remotes, as a per-command header, never in a config file", async () => {
    expect(credentialEnvironment("/srv/repo.git", "ghs_secret")).toEqual({});
    expect(credentialEnvironment("file:///srv/repo.git", "ghs_secret")).toEqual({});
    const environment = credentialEnvironment("https://github.com/o/r.git", "ghs_secret");
    expect(environment.GIT_CONFIG_KEY_0).toBe("http.extraHeader");
    expect(
      Buffer.from(
        environment.GIT_CONFIG_VALUE_0?.replace("Authorization: Basic ", "") ?? "",
        "base64",
      ).toString(),
    ).toBe("x-access-token:ghs_secret");
    const config = await readFile(join(mirrorDir, "config"), "utf8");
    expect(config).not.toContain("ghs_");
    expect(config).not.toContain("extraHeader");
  });
});
