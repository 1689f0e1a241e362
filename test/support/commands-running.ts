// How many processes run exactly this command line with their working directory or an
// environment path under `dir` (read from /proc): how tests see that an agent's long Bash command
// started, and that cancel stopped it. Only this test's processes count: other tests may run the
// same command at once. (A sandboxed agent's cwd is the sandbox's fixed worktree path; its
// HOME and CLAUDE_CONFIG_DIR still name its data dir.)
import { readdir, readFile, readlink } from "node:fs/promises";

export async function commandsRunning(commandLine: string, dir: string): Promise<number> {
  let count = 0;
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    if (cmdline.replaceAll("\0", " ").trim() !== commandLine) continue;
    const cwd = await readlink(`/proc/${entry}/cwd`).catch(() => "");
    const environ = await readFile(`/proc/${entry}/environ`, "utf8").catch(() => "");
    if (cwd.startsWith(`${dir}/`) || environ.includes(`=${dir}/`)) count += 1;
  }
  return count;
}
