// Where a benchmark's CPU time went, process by process (Linux /proc): each named process's own
// time, and the time of its children that ended and were waited for (cutime + cstime: git's
// processes for the command runner). What ran inside bwrap's PID namespace reaches no one's
// cutime (seen: a CPU-bound `sh` under bwrap added nothing to its starter's), so an agent's
// sandboxed processes are what the machine's busy time has beyond these. A child still running
// at a snapshot is read on its own, one level down.
import { readdir, readFile } from "node:fs/promises";
import { runCommand } from "../../src/process/run-command.ts";
import { type ProcessTimes, processTimes } from "./process-cpu.ts";

export type CpuSnapshot = Map<string, ProcessTimes>;

async function commandName(pid: number): Promise<string> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
  const words = cmdline.split("\0").filter((word) => word !== "");
  const script = words.find((word) => /\.(ts|js|sh)$/.test(word));
  return (script ?? words[0] ?? String(pid)).split("/").slice(-2).join("/");
}

async function liveChildren(pid: number): Promise<number[]> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => []);
  const children: number[] = [];
  for (const task of tasks) {
    const list = await readFile(`/proc/${pid}/task/${task}/children`, "utf8").catch(() => "");
    for (const child of list.trim().split(/\s+/)) if (child !== "") children.push(Number(child));
  }
  return children;
}

/** The times of each named process and of each of its live children not named too (as "name › child"). */
export async function cpuSnapshot(processes: Record<string, number | undefined>): Promise<CpuSnapshot> {
  const snapshot: CpuSnapshot = new Map();
  const named = new Set(Object.values(processes));
  for (const [name, pid] of Object.entries(processes)) {
    if (pid === undefined) continue;
    const times = await processTimes(pid);
    if (times === undefined) continue;
    snapshot.set(name, times);
    for (const child of await liveChildren(pid)) {
      if (named.has(child)) continue;
      const childTimes = await processTimes(child);
      if (childTimes !== undefined)
        snapshot.set(`${name} › ${await commandName(child)} (${child})`, childTimes);
    }
  }
  return snapshot;
}

/** One line per process that used CPU between the snapshots, most first, in CPU seconds. */
export function cpuBetween(
  before: CpuSnapshot,
  after: CpuSnapshot,
): { name: string; ownS: number; childrenS: number }[] {
  const rows = [...after].map(([name, end]) => {
    const start = before.get(name) ?? { ownS: 0, childrenS: 0 };
    return { name, ownS: end.ownS - start.ownS, childrenS: end.childrenS - start.childrenS };
  });
  return rows
    .filter((row) => row.ownS + row.childrenS >= 0.01)
    .sort((a, b) => b.ownS + b.childrenS - (a.ownS + a.childrenS));
}

export async function pidOf(command: string): Promise<number | undefined> {
  const found = await runCommand("pgrep", ["-o", "-x", command]).catch(() => undefined);
  const pid = Number(found?.stdout.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}
