// Which processes still belong to a folder, read from /proc: those whose working directory,
// command line or environment names it. "No process Flotilla started outlives it" is checked
// with this (an embedded redis-server runs in <data dir>/redis, agents carry the data dir in
// their environment, Flotilla itself runs in its project folder).
import { readFileSync } from "node:fs";
import { readdir, readFile, readlink } from "node:fs/promises";

export interface ProcessInfo {
  pid: number;
  commandLine: string;
}

export async function processesUnder(dir: string): Promise<ProcessInfo[]> {
  const found: ProcessInfo[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const [cwd, commandLine, environ] = await Promise.all([
      readlink(`/proc/${entry}/cwd`).catch(() => ""),
      readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => ""),
      readFile(`/proc/${entry}/environ`, "utf8").catch(() => ""),
    ]);
    if (cwd === dir || cwd.startsWith(`${dir}/`) || commandLine.includes(dir) || environ.includes(dir))
      found.push({ pid: Number(entry), commandLine: commandLine.replaceAll("\0", " ").trim() });
  }
  return found;
}

/** Whether a process with this id runs: it exists and is not a zombie waiting to be reaped. */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** Whether a process with this id exists (a zombie still does). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
