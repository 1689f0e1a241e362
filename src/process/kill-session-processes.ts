// Commands that the CLI's Bash tool starts run in sessions of their own (setsid), so killing the
// CLI's process group does not reach them. Each carries CLAUDE_CODE_SESSION_ID in its
// environment; this finds them through /proc and kills them.
import { readdir, readFile } from "node:fs/promises";

export async function findSessionProcesses(sessionId: string): Promise<number[]> {
  const marker = Buffer.from(`CLAUDE_CODE_SESSION_ID=${sessionId}\0`);
  const entries = await readdir("/proc").catch(() => [] as string[]);
  const found: number[] = [];
  await Promise.all(
    entries.map(async (entry) => {
      if (!/^\d+$/.test(entry)) return;
      const pid = Number(entry);
      if (pid === process.pid) return;
      const environ = await readFile(`/proc/${entry}/environ`).catch(() => undefined);
      if (environ?.includes(marker)) found.push(pid);
    }),
  );
  return found;
}

/** SIGKILLs every process started for the session; returns how many there were. */
export async function killSessionProcesses(sessionId: string): Promise<number> {
  const pids = await findSessionProcesses(sessionId);
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  return pids.length;
}
