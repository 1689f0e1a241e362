// Real git repositories in temporary folders, standing in for the GitHub repositories that
// Flotilla clones and pushes to. Every command runs the real `git` binary with the author passed
// per command and the user's global and system config shut out, so results do not depend on the host.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { execa } from "execa";

/** Files by repository-relative path (forward slashes), with their text content. */
export type FileTree = Record<string, string>;

export interface BareRemoteOptions {
  /** Files of the first commit on `main`. @defaultValue `{ "README.md": "# fixture\n" }` */
  files?: FileTree;
  /**
   * Branches made from `main`, each one commit on top of it that writes these files (added or
   * overwritten; the files of `main` stay unless overwritten).
   */
  branches?: Record<string, FileTree>;
}

export interface BareRemote {
  /** The temporary folder holding everything; removed by `cleanup()`. */
  dir: string;
  bareDir: string;
  /**
   * The bare repository's path (git clones it as-is), for tests of local git behaviour only: a
   * payload's `clone_url` is the authenticated smart-HTTP address that `GitHttpServer.serve`
   * gives (`file://` remotes never exercise the credential path).
   */
  cloneUrl: string;
  defaultBranch: "main";
  headSha(branch: string): Promise<string>;
  /** The file's text on the branch, or `undefined` when the branch has no such file. */
  readFile(branch: string, path: string): Promise<string | undefined>;
  listFiles(branch: string): Promise<string[]>;
  branches(): Promise<string[]>;
  cleanup(): Promise<void>;
}

const author = { name: "Flotilla Fixture", email: "fixture@flotilla.invalid" };

/** Environment for every fixture git command: the host's global and system config are shut out. */
export const isolatedGitEnv: Record<string, string> = {
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_TERMINAL_PROMPT: "0",
};

/** Runs `git` in `cwd` with the fixture author and isolated config; returns trimmed stdout. */
export async function git(cwd: string, args: readonly string[]): Promise<string> {
  const { stdout } = await execa(
    "git",
    [
      "-c",
      `user.name=${author.name}`,
      "-c",
      `user.email=${author.email}`,
      "-c",
      "commit.gpgsign=false",
      ...args,
    ],
    { cwd, env: isolatedGitEnv, stripFinalNewline: true },
  );
  return stdout;
}

export async function createBareRemote(options: BareRemoteOptions = {}): Promise<BareRemote> {
  const dir = await mkdtemp(join(tmpdir(), "flotilla-git-"));
  const bareDir = join(dir, "remote.git");
  const seedDir = join(dir, "seed");
  await mkdir(bareDir);
  await mkdir(seedDir);
  await git(bareDir, ["init", "--quiet", "--bare", "--initial-branch=main"]);
  await git(seedDir, ["init", "--quiet", "--initial-branch=main"]);
  await git(seedDir, ["remote", "add", "origin", bareDir]);

  await commitFiles(seedDir, options.files ?? { "README.md": "# fixture\n" }, "Initial commit");
  await git(seedDir, ["push", "--quiet", "origin", "main"]);
  for (const [branch, files] of Object.entries(options.branches ?? {})) {
    await git(seedDir, ["checkout", "--quiet", "-b", branch, "main"]);
    await commitFiles(seedDir, files, `Add ${branch}`);
    await git(seedDir, ["push", "--quiet", "origin", branch]);
  }

  return {
    dir,
    bareDir,
    cloneUrl: bareDir,
    defaultBranch: "main",
    headSha: (branch) => git(bareDir, ["rev-parse", "--verify", `refs/heads/${branch}^{commit}`]),
    readFile: (branch, path) => readFileAt(bareDir, branch, path),
    listFiles: async (branch) =>
      lines(await git(bareDir, ["ls-tree", "-r", "--name-only", `refs/heads/${branch}`])),
    branches: async () =>
      lines(await git(bareDir, ["for-each-ref", "--format=%(refname:short)", "refs/heads"])).sort(),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

async function commitFiles(workDir: string, files: FileTree, message: string): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const target = join(workDir, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
  }
  await git(workDir, ["add", "--all"]);
  await git(workDir, ["commit", "--quiet", "--allow-empty", "-m", message]);
}

async function readFileAt(gitDir: string, branch: string, path: string): Promise<string | undefined> {
  const result = await execa("git", ["cat-file", "blob", `refs/heads/${branch}:${path}`], {
    cwd: gitDir,
    env: isolatedGitEnv,
    reject: false,
    stripFinalNewline: false,
  });
  return result.exitCode === 0 ? result.stdout : undefined;
}

function lines(output: string): string[] {
  return output.split("\n").filter((line) => line.length > 0);
}
