// Mirrors and worktrees against real git: each agent gets its own directory on its own branch
// from one shared mirror; a worktree comes back from the pushed branch, not from scratch; locks
// git leaves behind when killed do not block the next worker.
import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCommand } from "../../src/process/run-command.ts";
import { credentialEnvironment, git } from "../../src/workspace/git.ts";
import { resolveCommit, syncMirror } from "../../src/workspace/mirror.ts";
import { commitAll, prepareWorktree, pushBranch, removeWorktree } from "../../src/workspace/worktree.ts";
import { useMirrorFixture } from "../support/mirror-fixture.ts";

const fixture = useMirrorFixture("flotilla-workspace-");

describe("worktrees", () => {
  it("gives agents working in parallel their own directories and branches; each push holds only its own content", async () => {
    const names = ["a", "b", "c", "d"];
    const origins = await Promise.all(names.map((name) => prepareWorktree(fixture.spec(name))));
    expect(origins).toEqual(["created", "created", "created", "created"]);
    await Promise.all(
      names.map(async (name) => {
        await writeFile(join(fixture.spec(name).worktreeDir, "shared.txt"), `written by ${name}\n`);
        await commitAll(fixture.spec(name), `${name} writes`);
        await pushBranch(fixture.spec(name), { cloneUrl: fixture.remote.cloneUrl });
      }),
    );
    for (const name of names) {
      expect(await fixture.remote.readFile(fixture.spec(name).branch, "shared.txt")).toBe(
        `written by ${name}\n`,
      );
    }
    expect(await fixture.remote.readFile("main", "shared.txt")).toBe("original\n");
  });

  it("gives the agent a repository of its own on its branch, at the base commit, with nothing to commit", async () => {
    const checkout = fixture.spec("own-git");
    await prepareWorktree(checkout);
    // As the agent's tools run git: in the worktree, finding its `.git`.
    const inWorktree = { cwd: checkout.worktreeDir, env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } };
    expect((await runCommand("git", ["symbolic-ref", "HEAD"], inWorktree)).stdout.trim()).toBe(
      `refs/heads/${checkout.branch}`,
    );
    expect((await runCommand("git", ["rev-parse", "HEAD"], inWorktree)).stdout.trim()).toBe(fixture.baseSha);
    expect((await runCommand("git", ["status", "--porcelain"], inWorktree)).stdout).toBe("");
  });

  it("reuses a surviving worktree (with uncommitted work), else restores it from the pushed branch", async () => {
    const first = fixture.spec("e");
    await prepareWorktree(first);
    await writeFile(join(first.worktreeDir, "wip.txt"), "not committed\n");
    expect(await prepareWorktree(first)).toBe("reused");
    expect(await readFile(join(first.worktreeDir, "wip.txt"), "utf8")).toBe("not committed\n");

    await commitAll(first, "checkpoint");
    await pushBranch(first, { cloneUrl: fixture.remote.cloneUrl });
    // Another host: no worktree, no local branch, only what was pushed.
    await rm(first.worktreeDir, { recursive: true, force: true });
    await rm(first.indexFile, { force: true });
    await git(["update-ref", "-d", `refs/heads/${first.branch}`], { gitDir: fixture.mirrorDir });
    await syncMirror(fixture.mirrorDir, { cloneUrl: fixture.remote.cloneUrl });
    expect(await prepareWorktree(first)).toBe("restored");
    expect(await readFile(join(first.worktreeDir, "wip.txt"), "utf8")).toBe("not committed\n");
  });

  it("is not blocked by the index lock of a git killed mid-commit", async () => {
    const agent = fixture.spec("f");
    await prepareWorktree(agent);
    await writeFile(`${agent.indexFile}.lock`, "");
    await writeFile(join(agent.worktreeDir, "after-crash.txt"), "x\n");
    await expect(commitAll(agent, "blocked")).rejects.toThrow(/index\.lock/);
    expect(await prepareWorktree(agent)).toBe("reused");
    expect(await commitAll(agent, "after restart")).toMatch(/^[0-9a-f]{40}$/);
  });

  it("is not blocked by ref locks of a fetch killed midway", async () => {
    await mkdir(join(fixture.mirrorDir, "refs", "remotes", "origin"), { recursive: true });
    await writeFile(join(fixture.mirrorDir, "refs", "remotes", "origin", "main.lock"), "");
    await syncMirror(fixture.mirrorDir, { cloneUrl: fixture.remote.cloneUrl });
    expect(await resolveCommit(fixture.mirrorDir, "refs/remotes/origin/main")).toBe(fixture.baseSha);
  });

  it("removes a worktree and its local branch, keeping the pushed branch", async () => {
    const agent = fixture.spec("g");
    await prepareWorktree(agent);
    await writeFile(join(agent.worktreeDir, "g.txt"), "g\n");
    await commitAll(agent, "g");
    await pushBranch(agent, { cloneUrl: fixture.remote.cloneUrl });
    await removeWorktree(agent);
    expect(await resolveCommit(fixture.mirrorDir, `refs/heads/${agent.branch}`)).toBeUndefined();
    expect(await fixture.remote.readFile(agent.branch, "g.txt")).toBe("g\n");
  });

  it("never replaces the mirror's config file, so agents' read-only mounts of it hold", async () => {
    const configInode = async () => (await stat(join(fixture.mirrorDir, "config"))).ino;
    const before = await configInode();
    const agent = fixture.spec("h");
    await prepareWorktree(agent);
    await writeFile(join(agent.worktreeDir, "h.txt"), "h\n");
    await commitAll(agent, "h");
    await pushBranch(agent, { cloneUrl: fixture.remote.cloneUrl });
    await syncMirror(fixture.mirrorDir, { cloneUrl: fixture.remote.cloneUrl });
    await removeWorktree(agent);
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
    const config = await readFile(join(fixture.mirrorDir, "config"), "utf8");
    expect(config).not.toContain("ghs_");
    expect(config).not.toContain("extraHeader");
  });
});

describe("git failures", () => {
  it("are not read as 'not found': a broken mirror throws, a missing commit is undefined", async () => {
    expect(await resolveCommit(fixture.mirrorDir, "refs/heads/no-such-branch")).toBeUndefined();
    expect(await resolveCommit(join(fixture.dataDir, "no-mirror-here"), "main")).toBeUndefined();
    const broken = join(fixture.dataDir, "mirrors", "o", "broken.git");
    await mkdir(broken, { recursive: true });
    await writeFile(join(broken, "HEAD"), "not a ref\n");
    await expect(resolveCommit(broken, "main")).rejects.toThrow(/git .*failed \(exit 128\)/);
  });

  it("never reads the agent's .git: its config, hooks and filters do nothing when the worker commits", async () => {
    const agent = fixture.spec("hostile");
    await prepareWorktree(agent);
    const marker = join(fixture.dataDir, "filter-ran");
    await writeFile(
      join(agent.worktreeDir, ".git", "config"),
      `[filter "evil"]\n\tclean = sh -c 'touch ${marker}; cat'\n[core]\n\tfsmonitor = touch ${marker}\n`,
      { flag: "a" },
    );
    await writeFile(join(agent.worktreeDir, ".gitattributes"), "* filter=evil\n");
    await writeFile(join(agent.worktreeDir, "work.txt"), "work\n");
    expect(await commitAll(agent, "work")).toMatch(/^[0-9a-f]{40}$/);
    await expect(stat(marker)).rejects.toThrow(/ENOENT/);
    // A `.git` made a pointer elsewhere changes nothing either.
    await rm(join(agent.worktreeDir, ".git"), { recursive: true });
    await writeFile(join(agent.worktreeDir, ".git"), `gitdir: ${join(fixture.dataDir, "nowhere")}\n`);
    await writeFile(join(agent.worktreeDir, "more.txt"), "more\n");
    expect(await commitAll(agent, "more")).toMatch(/^[0-9a-f]{40}$/);
    await expect(stat(marker)).rejects.toThrow(/ENOENT/);
  });
});
