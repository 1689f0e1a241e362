// Finds and kills every process that belongs to one agent, wherever it was started from:
// - commands its Bash tool started run in sessions of their own (setsid), out of reach of a
//   process-group kill, and carry CLAUDE_CODE_SESSION_ID in their environment;
// - the CLI and its MCP server carry the agent's own CLAUDE_CONFIG_DIR, which also finds a CLI
//   orphaned by a worker that was SIGKILLed on this host.
import { readdir, readFile } from "node:fs/promises";

export interface AgentProcessMarkers {
  sessionId: string;
  claudeConfigDir: string;
}

export async function findAgentProcesses(markers: AgentProcessMarkers): Promise<number[]> {
  const needles = [
    Buffer.from(`CLAUDE_CODE_SESSION_ID=${markers.sessionId}\0`),
    Buffer.from(`CLAUDE_CONFIG_DIR=${markers.claudeConfigDir}\0`),
  ];
  const entries = await readdir("/proc").catch(() => [] as string[]);
  const found: number[] = [];
  await Promise.all(
    entries.map(async (entry) => {
      if (!/^\d+$/.test(entry)) return;
      const pid = Number(entry);
      if (pid === process.pid) return;
      const environ = await readFile(`/proc/${entry}/environ`).catch(() => undefined);
      if (environ !== undefined && needles.some((needle) => environ.includes(needle))) found.push(pid);
    }),
  );
  return found;
}

/** SIGKILLs every process of the agent; returns how many there were. */
export async function killAgentProcesses(markers: AgentProcessMarkers): Promise<number> {
  const pids = await findAgentProcesses(markers);
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  return pids.length;
}
