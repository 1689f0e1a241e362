// Kills every process whose environment points into a data dir (agents' CLIs, MCP servers and
// the commands their tools started all carry CLAUDE_CONFIG_DIR=<data dir>/agents/…).
import { readdir, readFile } from "node:fs/promises";

export async function killProcessesUnder(dataDir: string): Promise<number> {
  const needle = Buffer.from(`CLAUDE_CONFIG_DIR=${dataDir}/`);
  let killed = 0;
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const environ = await readFile(`/proc/${entry}/environ`).catch(() => undefined);
    if (environ?.includes(needle) !== true) continue;
    try {
      process.kill(Number(entry), "SIGKILL");
      killed += 1;
    } catch {
      // Already gone.
    }
  }
  return killed;
}
