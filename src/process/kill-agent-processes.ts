// Finds and kills every process that belongs to one agent, wherever it was started from (inside
// bubblewrap the PID namespace does this; these are for agents run without it):
// - commands its Bash tool started run in sessions of their own (setsid), out of reach of a
//   process-group kill, and carry CLAUDE_CODE_SESSION_ID in their environment;
// - the CLI and what it starts carry the agent's own CLAUDE_CONFIG_DIR, which also finds a CLI
//   orphaned by a worker that was SIGKILLed on this host.
import { readdir, readFile } from "node:fs/promises";

interface AgentProcessMarkers {
  sessionId: string;
  claudeConfigDir: string;
}

interface Search {
  needles: Buffer[];
  found(pids: number[]): void;
}

/** Searches waiting for the next walk of /proc, and whether one is under way. */
let waiting: Search[] = [];
let walking = false;

/**
 * The agent's processes. Searches asked for while a walk of /proc is under way share the next
 * one: agents that end together (a hundred at once after a run) read each process's environment
 * once, not once per agent.
 */
function findAgentProcesses(markers: AgentProcessMarkers): Promise<number[]> {
  const needles = [
    Buffer.from(`CLAUDE_CODE_SESSION_ID=${markers.sessionId}\0`),
    Buffer.from(`CLAUDE_CONFIG_DIR=${markers.claudeConfigDir}\0`),
  ];
  return new Promise((found) => {
    waiting.push({ needles, found });
    void walkWhileWaiting();
  });
}

async function walkWhileWaiting(): Promise<void> {
  if (walking) return;
  walking = true;
  try {
    while (waiting.length > 0) {
      const searches = waiting;
      waiting = [];
      await walkProc(searches);
    }
  } finally {
    walking = false;
  }
}

async function walkProc(searches: readonly Search[]): Promise<void> {
  const entries = await readdir("/proc").catch((): string[] => []);
  const found = searches.map((): number[] => []);
  await Promise.all(
    entries.map(async (entry) => {
      if (!/^\d+$/.test(entry)) return;
      const pid = Number(entry);
      if (pid === process.pid) return;
      const environ = await readFile(`/proc/${entry}/environ`).catch(() => undefined);
      if (environ === undefined) return;
      for (const [index, search] of searches.entries()) {
        if (search.needles.some((needle) => environ.includes(needle))) found[index]?.push(pid);
      }
    }),
  );
  for (const [index, search] of searches.entries()) search.found(found[index] ?? []);
}

/** SIGKILLs every process of the agent; returns how many there were. */
async function killAgentProcesses(markers: AgentProcessMarkers): Promise<number> {
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

/** What a stop of one agent kills (see stopAgentHere). */
export interface AgentStop extends AgentProcessMarkers {
  /** A child subreaper (tini -s) whose whole tree is killed first. */
  treeRoot?: number | undefined;
  /** The agent's process group (its leader's pid), SIGKILLed next. */
  group?: number | undefined;
}

/**
 * Kills the subreaper's tree, then the process group, then whatever else carries the agent's
 * markers; returns how many processes the markers found.
 */
export async function stopAgentHere(stop: AgentStop): Promise<number> {
  if (stop.treeRoot !== undefined) await killProcessTree(stop.treeRoot);
  // A group already gone is not an error.
  if (stop.group !== undefined) signal(-stop.group, "SIGKILL");
  return killAgentProcesses(stop);
}

/**
 * SIGKILLs every descendant of `rootPid`, then the root. Each one found is first stopped
 * (SIGSTOP), so that none can fork or exit between the walk and the kill; the walk is repeated
 * until it finds nothing new. Meant for a child subreaper's tree (tini -s), which keeps what its
 * descendants detach (setsid, double fork, env -i) as its own, so that nothing escapes the walk.
 */
async function killProcessTree(rootPid: number): Promise<number> {
  const stopped = new Set<number>();
  for (let round = 0; round < 50; round += 1) {
    const found = (await descendantsOf(rootPid)).filter((pid) => !stopped.has(pid));
    if (found.length === 0) break;
    for (const pid of found) {
      signal(pid, "SIGSTOP");
      stopped.add(pid);
    }
  }
  for (const pid of stopped) signal(pid, "SIGKILL");
  signal(rootPid, "SIGKILL");
  return stopped.size;
}

/** Living processes below `rootPid`, from the parent ids in /proc/<pid>/stat. */
async function descendantsOf(rootPid: number): Promise<number[]> {
  const entries = await readdir("/proc").catch((): string[] => []);
  const children = new Map<number, number[]>();
  await Promise.all(
    entries.map(async (entry) => {
      if (!/^\d+$/.test(entry)) return;
      const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => undefined);
      // "pid (comm) state ppid …": comm may hold anything, so read after its last ")".
      const fields = stat?.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (fields === undefined || fields[0] === "Z") return;
      const parent = Number(fields[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    }),
  );
  const found: number[] = [];
  const queue = [rootPid];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    for (const child of children.get(pid) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}
