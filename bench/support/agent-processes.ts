// The processes an agent worker started for its agents (CLIs, their sandboxes, the commands they
// run), found through /proc by the CLAUDE_CONFIG_DIR every one of them carries, and their
// resident memory: what the agents cost the host beside the worker process itself.
import { readdir, readFile } from "node:fs/promises";

export interface AgentProcessesUsage {
  count: number;
  rssBytes: number;
}

export async function agentProcessesUsage(dataDir: string): Promise<AgentProcessesUsage> {
  const needle = Buffer.from(`CLAUDE_CONFIG_DIR=${dataDir}/`);
  const pageBytes = 4096;
  let count = 0;
  let rssBytes = 0;
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const environ = await readFile(`/proc/${entry}/environ`).catch(() => undefined);
    if (environ?.includes(needle) !== true) continue;
    const statm = await readFile(`/proc/${entry}/statm`, "utf8").catch(() => undefined);
    if (statm === undefined) continue;
    count += 1;
    rssBytes += Number(statm.split(" ")[1] ?? 0) * pageBytes;
  }
  return { count, rssBytes };
}
