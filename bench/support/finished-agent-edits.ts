// What an agent leaves in its worktree before it finishes, for the pooled-worktree figure: a few
// tracked files edited, two added, and a build directory of untracked output (git clean's work).
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { git } from "../../src/workspace/git.ts";

export async function editLikeAnAgent(
  mirrorDir: string,
  commit: string,
  worktree: string,
  seed: number,
): Promise<void> {
  const listing = await git(["ls-tree", "-r", "--name-only", commit], { gitDir: mirrorDir });
  const files = listing.split("\n").filter((line) => line !== "");
  for (let index = 0; index < 5; index += 1) {
    const path = join(worktree, files[(seed * 7_919 + index * 104_729) % files.length] ?? "");
    await writeFile(path, `${await readFile(path, "utf8")}\n// edited by agent ${seed}\n`);
  }
  await writeFile(join(worktree, "src", `added-${seed}-a.ts`), "export const a = 1;\n");
  await writeFile(join(worktree, "src", `added-${seed}-b.ts`), "export const b = 2;\n");
  await mkdir(join(worktree, "build"), { recursive: true });
  for (let index = 0; index < 20; index += 1)
    await writeFile(join(worktree, "build", `out-${index}.js`), "x\n");
}
