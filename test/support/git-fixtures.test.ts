// The bare remotes are real git repositories: what they report matches what git itself says,
// they clone, and the host's global git config does not leak into them.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type BareRemote, createBareRemote, git } from "./git-fixtures.ts";

const remotes: BareRemote[] = [];
const scratch: string[] = [];

async function remoteWith(options: Parameters<typeof createBareRemote>[0]): Promise<BareRemote> {
  const remote = await createBareRemote(options);
  remotes.push(remote);
  return remote;
}

async function scratchDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "flotilla-git-test-"));
  scratch.push(dir);
  return dir;
}

afterEach(async () => {
  for (const remote of remotes.splice(0)) await remote.cleanup();
  for (const dir of scratch.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe("createBareRemote", () => {
  it("makes main from the files and each branch as one commit on top of main", async () => {
    const remote = await remoteWith({
      files: { "README.md": "# demo\n", "src/index.ts": "export {};\n" },
      branches: {
        "feature/a": { "src/a.ts": "export const a = 1;\n", "README.md": "# demo, changed\n" },
        fix: {},
      },
    });

    expect(remote.defaultBranch).toBe("main");
    expect(await remote.branches()).toEqual(["feature/a", "fix", "main"]);
    expect(await remote.listFiles("main")).toEqual(["README.md", "src/index.ts"]);
    expect(await remote.listFiles("feature/a")).toEqual(["README.md", "src/a.ts", "src/index.ts"]);
    expect(await remote.readFile("feature/a", "README.md")).toBe("# demo, changed\n");
    expect(await remote.readFile("main", "README.md")).toBe("# demo\n");
    expect(await remote.readFile("main", "src/a.ts")).toBeUndefined();
    const mainSha = await remote.headSha("main");
    expect(await git(remote.bareDir, ["rev-parse", "feature/a^"])).toBe(mainSha);
    expect(await git(remote.bareDir, ["rev-parse", "fix^"])).toBe(mainSha);
    expect(await git(remote.bareDir, ["rev-parse", "--is-bare-repository"])).toBe("true");
    await expect(remote.headSha("no-such-branch")).rejects.toThrow();
  });

  it("clones from cloneUrl, and the clone's heads are the ones headSha reports", async () => {
    const remote = await remoteWith({ branches: { topic: { "topic.txt": "topic\n" } } });
    const work = join(await scratchDir(), "clone");

    await git(tmpdir(), ["clone", "--quiet", remote.cloneUrl, work]);

    expect(await readFile(join(work, "README.md"), "utf8")).toBe("# fixture\n");
    const heads = await git(work, ["ls-remote", "--heads", "origin"]);
    expect(heads.split("\n").sort()).toEqual(
      [
        `${await remote.headSha("main")}\trefs/heads/main`,
        `${await remote.headSha("topic")}\trefs/heads/topic`,
      ].sort(),
    );
    expect(await git(work, ["symbolic-ref", "--short", "HEAD"])).toBe("main");
  });

  it("accepts pushes, which headSha and readFile then see", async () => {
    const remote = await remoteWith({});
    const work = join(await scratchDir(), "clone");
    await git(tmpdir(), ["clone", "--quiet", remote.cloneUrl, work]);
    await git(work, ["checkout", "--quiet", "-b", "agents/run-1/root"]);
    await writeFile(join(work, "result.md"), "done\n");
    await git(work, ["add", "result.md"]);
    await git(work, ["commit", "--quiet", "-m", "Agent result"]);

    await git(work, ["push", "--quiet", "origin", "agents/run-1/root"]);

    expect(await remote.headSha("agents/run-1/root")).toBe(await git(work, ["rev-parse", "HEAD"]));
    expect(await remote.readFile("agents/run-1/root", "result.md")).toBe("done\n");
  });

  it("ignores the host's global git config and commits as the fixture author", async () => {
    const dir = await scratchDir();
    const hooks = join(dir, "hooks");
    await mkdir(hooks);
    // A pre-commit hook that refuses every commit: it runs only if the global config is read.
    await writeFile(join(hooks, "pre-commit"), "#!/bin/sh\nexit 1\n", { mode: 0o755 });
    const hostileConfig = join(dir, "gitconfig");
    await writeFile(
      hostileConfig,
      `[core]\n\thooksPath = ${hooks}\n[init]\n\tdefaultBranch = trunk\n[user]\n\tname = Host User\n`,
    );
    const previous = process.env.GIT_CONFIG_GLOBAL;
    process.env.GIT_CONFIG_GLOBAL = hostileConfig;
    try {
      const remote = await remoteWith({ files: { "a.txt": "a\n" } });

      expect(await remote.branches()).toEqual(["main"]);
      expect(await git(remote.bareDir, ["log", "-1", "--format=%an <%ae>|%cn", "main"])).toBe(
        "Flotilla Fixture <fixture@flotilla.invalid>|Flotilla Fixture",
      );
    } finally {
      if (previous === undefined) delete process.env.GIT_CONFIG_GLOBAL;
      else process.env.GIT_CONFIG_GLOBAL = previous;
    }
  });

  it("removes everything on cleanup", async () => {
    const remote = await createBareRemote();

    await remote.cleanup();

    expect(existsSync(remote.dir)).toBe(false);
  });
});
