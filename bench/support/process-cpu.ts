// CPU time a process has used so far (user + system, from /proc; Linux only). On a machine
// shared with other work, CPU per request says more about cost than elapsed time does.
import { readFile } from "node:fs/promises";
import { runCommand } from "../../src/process/run-command.ts";

let ticksPerSecond: number | undefined;

export async function processCpuMs(pid: number): Promise<number> {
  ticksPerSecond ??= Number((await runCommand("getconf", ["CLK_TCK"])).stdout.trim());
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  // After the command name (which may hold spaces and parentheses) come: state, ppid, … with
  // utime and stime the 12th and 13th fields after it.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) / ticksPerSecond) * 1000;
}
