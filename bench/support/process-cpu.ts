// CPU time a process has used so far (from /proc; Linux only). On a machine shared with other
// work, CPU per request says more about cost than elapsed time does.
import { readFile } from "node:fs/promises";
import { runCommand } from "../../src/process/run-command.ts";

export interface ProcessTimes {
  /** User and system time of the process itself. */
  ownS: number;
  /** That of its children that ended and were waited for (cutime + cstime). */
  childrenS: number;
}

let ticksPerSecond: number | undefined;

/** The process's times, or undefined when it is gone. */
export async function processTimes(pid: number): Promise<ProcessTimes | undefined> {
  ticksPerSecond ??= Number((await runCommand("getconf", ["CLK_TCK"])).stdout.trim());
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
  if (stat === undefined) return undefined;
  // After the command name (which may hold spaces and parentheses) come: state, ppid, …; utime,
  // stime, cutime and cstime are the 12th to 15th fields after it.
  const fields = stat
    .slice(stat.lastIndexOf(")") + 2)
    .split(" ")
    .map(Number);
  const seconds = (index: number) => (fields[index] ?? 0) / (ticksPerSecond ?? 100);
  return { ownS: seconds(11) + seconds(12), childrenS: seconds(13) + seconds(14) };
}

export async function processCpuMs(pid: number): Promise<number> {
  const times = await processTimes(pid);
  if (times === undefined) throw new Error(`process ${pid} is gone: its CPU time cannot be read`);
  return times.ownS * 1000;
}
