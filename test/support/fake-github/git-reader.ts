// Reads refs and files of a repository linked to a real git directory, so pull requests, check
// runs and contents agree with what Flotilla's processes pushed.
import { execa } from "execa";
import { isolatedGitEnv } from "../git-fixtures.ts";

export interface TreeEntry {
  name: string;
  path: string;
  type: "file" | "dir";
  sha: string;
  size: number;
}

export interface GitReader {
  /** The commit sha a branch, tag or sha names, or `undefined` when it names nothing. */
  resolve(gitDir: string, ref: string): Promise<string | undefined>;
  readFile(gitDir: string, ref: string, path: string): Promise<string | undefined>;
  listDir(gitDir: string, ref: string, path: string): Promise<TreeEntry[] | undefined>;
  commitsBetween(gitDir: string, baseSha: string, headSha: string): Promise<number>;
}

async function run(gitDir: string, args: string[]): Promise<string | undefined> {
  const result = await execa("git", args, {
    cwd: gitDir,
    env: isolatedGitEnv,
    reject: false,
    stripFinalNewline: false,
  });
  return result.exitCode === 0 ? result.stdout : undefined;
}

export const gitReader: GitReader = {
  async resolve(gitDir, ref) {
    for (const candidate of [`refs/heads/${ref}`, ref]) {
      const sha = await run(gitDir, ["rev-parse", "--verify", "--quiet", `${candidate}^{commit}`]);
      if (sha !== undefined) return sha.trim();
    }
    return undefined;
  },
  readFile: (gitDir, ref, path) => run(gitDir, ["cat-file", "blob", `${ref}:${path}`]),
  async listDir(gitDir, ref, path) {
    const listing = await run(gitDir, ["ls-tree", "-l", "-z", `${ref}:${path}`]);
    if (listing === undefined) return undefined;
    return listing
      .split("\0")
      .filter((line) => line.length > 0)
      .map((line) => {
        const [meta = "", name = ""] = line.split("\t");
        const [, type, sha = "", size] = meta.split(/\s+/);
        return {
          name,
          path: path.length > 0 ? `${path}/${name}` : name,
          type: type === "tree" ? "dir" : "file",
          sha,
          size: Number(size) || 0,
        };
      });
  },
  async commitsBetween(gitDir, baseSha, headSha) {
    return Number((await run(gitDir, ["rev-list", "--count", `${baseSha}..${headSha}`]))?.trim() ?? 0);
  },
};
