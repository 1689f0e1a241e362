// Trees: a root agent spawns `--fanout` children, each spawns `--fanout` leaves (`--depth` levels
// below the root), with WORKER_CONCURRENCY=`--concurrency`, through real Flotilla (a web and a
// worker process, a stand-in GitHub). Agents are bench/stand-in/tree-claude.ts, which starts
// Flotilla's MCP server and calls its tools as the CLI would; leaves "work" `--work-seconds`.
// First with parents parked by wait_for_agents (makespan vs the ideal, total leaf work /
// concurrency); then the same tree with parents holding their slots while they poll list_agents,
// which should deadlock: it is stopped at `--hold-limit-seconds` (default 3× ideal, at least 60 s).
// `node bench/trees.ts [--fanout 10] [--depth 2] [--concurrency 4] [--work-seconds 2]`
import { readFile } from "node:fs/promises";
import { cpus } from "node:os";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { isTerminal } from "../src/store/records.ts";
import { e2eOwner, e2ePullNumber, e2eRepo } from "../test/support/e2e-environment.ts";
import type { RunningFlotilla } from "../test/support/flotilla-process.ts";
import { openBenchWorld, printLogTails } from "./support/bench-world.ts";
import { cpuBetween, cpuSnapshot, pidOf } from "./support/cpu-breakdown.ts";
import { numberOptions } from "./support/options.ts";
import { currentCommand, type Figure, recordResults } from "./support/results.ts";

const options = numberOptions({
  fanout: 10,
  depth: 2,
  concurrency: 4,
  "work-seconds": 2,
  "hold-limit-seconds": 0,
});
const { fanout, depth, concurrency } = options;
const leaves = fanout ** depth;
const totalAgents = Array.from({ length: depth + 1 }, (_, level) => fanout ** level).reduce(
  (a, b) => a + b,
  0,
);
const idealS = (leaves * options["work-seconds"]) / concurrency;
const holdLimitS = options["hold-limit-seconds"] || Math.max(60, 3 * idealS);
const standIn = fileURLToPath(new URL("./stand-in/tree-claude.sh", import.meta.url));

const { world, cleanup } = await openBenchWorld("bench-trees");

interface TreeRun {
  finishedAtS: number | undefined;
  /** Agents in a final state when the run ended or was given up. */
  ended: number;
  states: Record<string, number>;
  /** Agents that ended other than succeeded, with the reason they give. */
  failures: string[];
}

/**
 * The machine's CPU time so far, from /proc/stat's first line (clock ticks of 10 ms): busy (user,
 * nice, system, irq, softirq), stolen (the hypervisor ran another guest: neither work nor idle
 * here) and all of it.
 */
async function machineCpu(): Promise<{ busyS: number; stolenS: number; totalS: number }> {
  const fields = ((await readFile("/proc/stat", "utf8")).split("\n")[0] ?? "")
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  // user nice system idle iowait irq softirq steal
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  return {
    busyS: (user + nice + system + irq + softirq) / 100,
    stolenS: steal / 100,
    totalS: (user + nice + system + idle + iowait + irq + softirq + steal) / 100,
  };
}

/** Posts the tree's root command and follows its run until the root ends or time is up. */
async function runTree(web: RunningFlotilla, mode: "park" | "hold", limitS: number): Promise<TreeRun> {
  const before = new Set(await world.store.runIdsForIssue(e2eOwner, e2eRepo, e2ePullNumber));
  const startedAt = Date.now();
  const task = `[[tree path=r depth=${depth} fanout=${fanout} work-ms=${options["work-seconds"] * 1000} mode=${mode}]] build the tree`;
  const { status } = await world.comment(web, `/agents run ${task}`);
  if (status !== 200 && status !== 202) throw new Error(`webhook answered ${status}`);
  let runId: string | undefined;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    runId ??= (await world.store.runIdsForIssue(e2eOwner, e2eRepo, e2ePullNumber)).find(
      (id) => !before.has(id),
    );
    const agents = runId === undefined ? [] : await world.store.listRunAgents(runId);
    const root = agents.find((agent) => agent.parentId === undefined);
    const elapsedS = (Date.now() - startedAt) / 1000;
    const states: Record<string, number> = {};
    for (const agent of agents) states[agent.state] = (states[agent.state] ?? 0) + 1;
    const ended = agents.filter((agent) => isTerminal(agent.state)).length;
    const failures = agents
      .filter((agent) => isTerminal(agent.state) && agent.state !== "succeeded")
      .map(
        (agent) =>
          `${agent.name} (depth ${agent.depth}) ${agent.state}: ${agent.error ?? "no error recorded"}`,
      );
    if (Math.round(elapsedS) % 10 === 0)
      console.log(`${mode} ${elapsedS.toFixed(0)} s: ${JSON.stringify(states)}`);
    if (root !== undefined && isTerminal(root.state))
      return { finishedAtS: elapsedS, ended, states, failures };
    if (elapsedS > limitS) return { finishedAtS: undefined, ended, states, failures };
  }
}

try {
  const env = {
    CLAUDE_PATH: standIn,
    WORKER_CONCURRENCY: String(concurrency),
    AGENT_MAX_CHILDREN: String(fanout),
    AGENT_MAX_DEPTH: String(depth),
    AGENT_MAX_PER_RUN: String(totalAgents),
    // Flotilla's default pace of progress writes (the e2e world's is 500 ms).
    REPORT_MIN_INTERVAL_MS: "10000",
    // The stand-in runs `node` from the PATH agents get: Node 24 first.
    PATH: `${dirname(process.execPath)}:${process.env.PATH ?? "/usr/bin:/bin"}`,
  };
  const web = await world.startFlotilla({ role: "web", env });
  const worker = await world.startFlotilla({ role: "worker", env });
  const watched = {
    "benchmark (stand-in GitHub, git http-backend)": process.pid,
    "web process": web.pid,
    "worker process (agents, bwrap)": worker.pid,
    "redis-server": await pidOf("redis-server"),
  };

  const cpuBefore = await machineCpu();
  const processesBefore = await cpuSnapshot(watched);
  const parked = await runTree(web, "park", Math.max(600, 20 * idealS));
  const cpuAfter = await machineCpu();
  const processCpu = cpuBetween(processesBefore, await cpuSnapshot(watched));
  const busyS = cpuAfter.busyS - cpuBefore.busyS;
  const elapsedCpuS = cpuAfter.totalS - cpuBefore.totalS;
  const busyShare = busyS / elapsedCpuS;
  const stolenShare = (cpuAfter.stolenS - cpuBefore.stolenS) / elapsedCpuS;
  const attributedS = processCpu.reduce((sum, row) => sum + row.ownS + row.childrenS, 0);
  const sessions = totalAgents + (totalAgents - leaves);
  if (parked.finishedAtS === undefined)
    throw new Error(`the parked tree did not finish: ${JSON.stringify(parked.states)}`);
  const ratio = parked.finishedAtS / idealS;
  console.log(`parked tree: ${parked.finishedAtS.toFixed(0)} s (ideal ${idealS} s); now holding slots`);
  const held = await runTree(web, "hold", holdLimitS);

  const figures: Figure[] = [
    { name: `parked tree of ${totalAgents}: makespan`, value: parked.finishedAtS, unit: "s" },
    { name: "ideal: leaf work / concurrency", value: idealS, unit: "s" },
    { name: "makespan / ideal", value: ratio, unit: "×", target: "≤ 1.5×", met: ratio <= 1.5 },
    {
      name: `machine CPU busy during the parked tree (${cpus().length} cores)`,
      value: `${(busyShare * 100).toFixed(0)} %`,
      unit: "",
    },
    {
      name: "machine CPU stolen by the hypervisor during the parked tree",
      value: `${(stolenShare * 100).toFixed(0)} %`,
      unit: "",
    },
    {
      name: `CPU time per agent session (${sessions} sessions, leaves' sleep uses none)`,
      value: busyS / sessions,
      unit: "s",
    },
    {
      name: "parked tree: agents succeeded",
      value: `${parked.states.succeeded ?? 0} of ${totalAgents}`,
      unit: "",
    },
    {
      name: "slot-holding tree: finished",
      value:
        held.finishedAtS === undefined
          ? `no (stopped at ${holdLimitS.toFixed(0)} s)`
          : `yes, in ${held.finishedAtS.toFixed(0)} s`,
      unit: "",
      target: "deadlocks (does not finish)",
      met: held.finishedAtS === undefined,
    },
    {
      name: "slot-holding tree: agents ended at the limit",
      value: `${held.ended} of ${totalAgents}`,
      unit: "",
    },
  ];
  await recordResults({
    title: "Trees",
    command: currentCommand(),
    figures,
    notes: [
      `One root, ${fanout} children, each with ${fanout} leaves (${depth} levels below the root, ${totalAgents} agents); WORKER_CONCURRENCY=${concurrency}; a web and a worker process against Redis on 127.0.0.1 and a stand-in GitHub; started by one signed \`/agents run\` webhook. Makespan: from posting it until the root agent's record is final.`,
      `Each agent's \`claude\` is bench/stand-in/tree-claude.ts (Node): it connects to Flotilla's tools named in the --mcp-config it is given (the worker's gateway over HTTP, as the CLI does), prints init, tool_use/tool_result and result lines and writes its session file. Leaves sleep ${options["work-seconds"]} s; parents spawn with spawn_agent and do no work of their own, so the ideal counts leaf work only and the ratio includes every cost of Flotilla and of starting ${totalAgents} + ${totalAgents - leaves} (resumed parents) stand-in sessions (each ends with one model call through the gateway, as a real agent's last turn).`,
      `Where the parked tree's ${busyS.toFixed(0)} CPU s went (/proc: each process's own time and that of its children it waited for): ${processCpu
        .map((row) => `${row.name} ${(row.ownS + row.childrenS).toFixed(1)} s`)
        .join(
          "; ",
        )}; the other ${(busyS - attributedS).toFixed(1)} s are the agents' sandboxed processes (the stand-in CLI's Node, bwrap: a process in bwrap's PID namespace is not counted to the process that started bwrap) and anything else the machine ran.`,
      ...(parked.failures.length === 0
        ? []
        : [`Parked tree, agents that did not succeed: ${parked.failures.join("; ")}.`]),
      `Parked: parents call wait_for_agents; Flotilla parks them (kills the CLI, waiting-children, slot freed) and resumes their sessions with --resume when the children are done.`,
      `Holding: parents instead poll list_agents every 5 s (with a sleep between, as a model without Flotilla's parking would) and keep their worker slot; wait_for_agents always parks, so polling is the only way to wait while holding one. States at the limit: ${JSON.stringify(held.states)} (the running ones are parents holding the ${concurrency} slots while their children wait in the queue). The run was then abandoned and every process killed.`,
    ],
  });
} catch (error) {
  printLogTails(world);
  throw error;
} finally {
  await cleanup();
}
