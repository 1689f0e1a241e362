// Orchestrator load: many light agents at once in one real worker process (WORKER_CONCURRENCY =
// agents), each a POSIX sh stand-in for `claude` that prints a realistic stream-json run spread
// over `--seconds`, so that what is measured is the worker: event-loop lag, CPU and memory per
// agent, and GitHub writes per agent per minute. Agents arrive as `/agents run` task lists on
// `--agents / --per-run` pull requests (signed webhooks to a separate web process), as a busy
// organisation would send them. `node bench/load.ts [--agents 200] [--per-run 10] [--seconds 120]
// [--steps 6] [--sample-seconds 5]`; BENCH_CPU_PROF_DIR=<dir> also writes a --cpu-prof of the worker.
// Agents last 120 s by default so that all of them overlap: the worktrees are added one at a
// time under the mirror's lock, which for 200 agents takes about a minute.
import { fileURLToPath } from "node:url";
import { isTerminal } from "../src/store/records.ts";
import { e2eHeadBranch, e2eOwner, e2eRepo } from "../test/support/e2e-environment.ts";
import { freePort } from "../test/support/flotilla-process.ts";
import { scrapeMetrics, sumOf } from "../test/support/prometheus.ts";
import { agentProcessesUsage } from "./support/agent-processes.ts";
import { openBenchWorld, printLogTails } from "./support/bench-world.ts";
import { githubWrites, writesByKind } from "./support/github-writes.ts";
import { cpuShare, type LoadSample, lagMaxMs, lagP99BoundMs, splitPhases } from "./support/load-timeline.ts";
import { numberOptions } from "./support/options.ts";
import { currentCommand, type Figure, median, recordResults } from "./support/results.ts";

const options = numberOptions({ agents: 200, "per-run": 10, seconds: 120, steps: 6, "sample-seconds": 5 });
const runs = Math.ceil(options.agents / options["per-run"]);
const standIn = fileURLToPath(new URL("./stand-in/light-claude.sh", import.meta.url));
const { world, cleanup } = await openBenchWorld("bench-load");
const profileDir = process.env.BENCH_CPU_PROF_DIR;

try {
  const pullNumbers = Array.from({ length: runs }, (_, index) => 100 + index);
  for (const number of pullNumbers) {
    await world.github.addPullRequest({
      owner: e2eOwner,
      repo: e2eRepo,
      number,
      head: { ref: e2eHeadBranch },
      base: { ref: "main" },
    });
  }
  const metricsPort = await freePort();
  const env = {
    CLAUDE_PATH: standIn,
    WORKER_CONCURRENCY: String(options.agents),
    // Flotilla's own pacing of each check run and comment (the default), not the e2e's 500 ms.
    REPORT_MIN_INTERVAL_MS: "10000",
    // The per-installation limiter would hold writes back and hide how many Flotilla asks for.
    GITHUB_WRITES_PER_MINUTE: "100000",
    GITHUB_WRITES_PER_HOUR: "10000000",
    OPS_PORT: String(metricsPort),
  };
  const web = await world.startFlotilla({
    role: "web",
    env: { ...env, OPS_PORT: String(await freePort()) },
  });
  const worker = await world.startFlotilla({
    role: "worker",
    env: {
      ...env,
      ...(profileDir === undefined ? {} : { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` }),
    },
  });
  const sandboxLine = worker.logs.find((line) => line.includes("agent sandbox")) ?? "";
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;

  // The idle worker's lag, to read the loaded figures against.
  await scrapeMetrics(metricsUrl);
  await new Promise((resolve) => setTimeout(resolve, options["sample-seconds"] * 1000));
  const idle = await scrapeMetrics(metricsUrl);

  const startedAt = Date.now();
  const tasks = Array.from(
    { length: options["per-run"] },
    (_, index) =>
      `- [[light-agent seconds=${options.seconds} steps=${options.steps}]] read the login code, part ${index + 1}`,
  );
  let posted = 0;
  let slowWebhooks = 0;
  for (const number of pullNumbers) {
    const count = Math.min(options["per-run"], options.agents - posted);
    const { status } = await world.comment(web, `/agents run\n${tasks.slice(0, count).join("\n")}`, {
      issueNumber: number,
    });
    // 202: Probot answered before the handler finished (it answers GitHub within 10 s).
    if (status !== 200 && status !== 202) throw new Error(`webhook for #${number} answered ${status}`);
    if (status === 202) slowWebhooks += 1;
    posted += count;
  }
  const postedAfterS = (Date.now() - startedAt) / 1000;

  const samples: LoadSample[] = [];
  const sampleOnce = async (): Promise<LoadSample> => {
    const metrics = await scrapeMetrics(metricsUrl);
    const processes = await agentProcessesUsage(worker.dataDir);
    let finished = 0;
    for (const number of pullNumbers) {
      for (const runId of await world.store.runIdsForIssue(e2eOwner, e2eRepo, number)) {
        finished += (await world.store.listRunAgents(runId)).filter((agent) =>
          isTerminal(agent.state),
        ).length;
      }
    }
    return {
      atS: (Date.now() - startedAt) / 1000,
      lagP99S: sumOf(metrics, "nodejs_eventloop_lag_p99_seconds"),
      lagMaxS: sumOf(metrics, "nodejs_eventloop_lag_max_seconds"),
      cpuSeconds: sumOf(metrics, "process_cpu_seconds_total"),
      workerRssBytes: sumOf(metrics, "process_resident_memory_bytes"),
      running: sumOf(metrics, "flotilla_agents_running"),
      agentProcesses: processes.count,
      agentProcessesRssBytes: processes.rssBytes,
      finished,
    };
  };
  const reported = () => {
    const checks = world.github.checkRuns(e2eOwner, e2eRepo);
    const pulls = world.github
      .pullRequests(e2eOwner, e2eRepo)
      .filter((pull) => pull.head.ref.startsWith("agents/"));
    return (
      checks.length === options.agents &&
      checks.every((run) => run.status === "completed") &&
      pulls.length === options.agents
    );
  };
  const deadline = startedAt + (options.seconds * 4 + 900) * 1000;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, options["sample-seconds"] * 1000));
    const sample = await sampleOnce();
    samples.push(sample);
    console.log(
      `${sample.atS.toFixed(0)} s: running ${sample.running}, finished ${sample.finished}, lag p99 ${(sample.lagP99S * 1000).toFixed(0)} ms (max ${(sample.lagMaxS * 1000).toFixed(0)}), worker RSS ${(sample.workerRssBytes / 2 ** 20).toFixed(0)} MiB, ${sample.agentProcesses} agent processes`,
    );
    if (sample.finished >= options.agents && reported()) break;
    if (Date.now() > deadline) throw new Error(`not done within ${(deadline - startedAt) / 1000} s`);
  }
  const endedAt = Date.now();
  const durationS = (endedAt - startedAt) / 1000;

  const writes = githubWrites(world.github.requestLog, startedAt, endedAt);
  const writesPerAgentPerMinute = writes.length / options.agents / (durationS / 60);
  const writesPerAgentPer10s = writesPerAgentPerMinute / 6;
  const agents = (
    await Promise.all(
      pullNumbers.map(async (number) =>
        (
          await Promise.all(
            (
              await world.store.runIdsForIssue(e2eOwner, e2eRepo, number)
            ).map((id) => world.store.listRunAgents(id)),
          )
        ).flat(),
      ),
    )
  ).flat();
  const succeeded = agents.filter((agent) => agent.state === "succeeded").length;
  const baseline: LoadSample = {
    atS: 0,
    lagP99S: 0,
    lagMaxS: 0,
    cpuSeconds: sumOf(idle, "process_cpu_seconds_total"),
    workerRssBytes: sumOf(idle, "process_resident_memory_bytes"),
    running: 0,
    agentProcesses: 0,
    agentProcessesRssBytes: 0,
    finished: 0,
  };
  const last = samples.at(-1) ?? baseline;
  const peakRss = Math.max(...samples.map((sample) => sample.workerRssBytes));
  const peakChildren = samples.reduce(
    (best, sample) => (sample.agentProcessesRssBytes > best.agentProcessesRssBytes ? sample : best),
    baseline,
  );
  const lagTarget = 100;
  const wholeLag = lagP99BoundMs(samples);
  const phases = splitPhases(samples);
  const mib = (bytes: number) => bytes / 2 ** 20;

  const figures: Figure[] = [
    {
      name: "worker event-loop lag p99, whole run (largest p99 of any sample window)",
      value: wholeLag,
      unit: "ms",
      target: `< ${lagTarget} ms`,
      met: wholeLag < lagTarget,
    },
    {
      name: "worker event-loop lag p99, median sample window",
      value: median(samples.map((sample) => sample.lagP99S * 1000)),
      unit: "ms",
    },
    { name: "worker event-loop lag, largest single delay", value: lagMaxMs(samples), unit: "ms" },
    ...phases.flatMap((phase): Figure[] => {
      const before = samples[samples.indexOf(phase.samples[0] as LoadSample) - 1] ?? baseline;
      return [
        {
          name: `${phase.name} (${phase.fromS.toFixed(0)}–${phase.toS.toFixed(0)} s): lag p99 bound`,
          value: lagP99BoundMs(phase.samples),
          unit: "ms",
        },
        { name: `${phase.name}: worker CPU`, value: cpuShare(phase, before) * 100, unit: "% of a core" },
      ];
    }),
    {
      name: "worker CPU per agent, whole run",
      value: (last.cpuSeconds - baseline.cpuSeconds) / options.agents,
      unit: "CPU s",
    },
    {
      name: "worker RSS growth per agent (peak − idle) / agents",
      value: mib(peakRss - baseline.workerRssBytes) / options.agents,
      unit: "MiB",
    },
    {
      name: "worker RSS idle → peak",
      value: `${mib(baseline.workerRssBytes).toFixed(0)} → ${mib(peakRss).toFixed(0)}`,
      unit: "MiB",
    },
    {
      name: "agent child processes at their peak (stand-in sh, sleep, sandbox)",
      value: `${peakChildren.agentProcesses} processes, ${mib(peakChildren.agentProcessesRssBytes).toFixed(0)} MiB`,
      unit: "",
    },
    {
      name: "GitHub writes per agent per 10 s, whole run",
      value: writesPerAgentPer10s,
      unit: "writes",
      target: "≤ 1",
      met: writesPerAgentPer10s <= 1,
    },
    { name: "GitHub writes per agent per minute, whole run", value: writesPerAgentPerMinute, unit: "writes" },
    {
      name: "GitHub writes, most in any 60 s",
      value: world.github.contentWritesPerMinute().maxInRollingMinute,
      unit: "writes",
    },
    {
      name: "most agents running at once",
      value: Math.max(...samples.map((sample) => sample.running)),
      unit: `of ${options.agents}`,
    },
    {
      name: "last agent began preparing its worktree",
      value: (Math.max(...agents.map((agent) => agent.startedAt ?? 0)) - startedAt) / 1000,
      unit: "s after the first webhook",
    },
    { name: "agents succeeded", value: `${succeeded} of ${options.agents}`, unit: "" },
    { name: "first webhook → every outcome on GitHub", value: durationS, unit: "s" },
  ];
  await recordResults({
    title: "Orchestrator load",
    command: currentCommand(),
    figures,
    notes: [
      `${options.agents} agents as ${runs} \`/agents run\` task lists of ${options["per-run"]} on ${runs} pull requests of one repository and installation, sent as signed webhooks to a web process (all posted within ${postedAfterS.toFixed(1)} s; ${slowWebhooks} answered 202, i.e. still being handled after Probot's 9 s); one worker process with WORKER_CONCURRENCY=${options.agents}; Redis on 127.0.0.1; a stand-in GitHub in the benchmark's process.`,
      `Each agent's \`claude\` is bench/stand-in/light-claude.sh: init, ${options.steps} assistant tool_use + user tool_result pairs (1.5 KB results), a text and a result line with usage, spread over ${options.seconds} s with \`sleep\`; it writes its session file and one file in its worktree, so every agent commits, pushes and opens a pull request. It does not connect to Flotilla's tools (a real CLI's MCP handshake is two loopback requests to the worker's gateway).`,
      `Lag: prom-client's nodejs_eventloop_lag_p99_seconds (monitorEventLoopDelay, reset at each scrape), scraped every ${options["sample-seconds"]} s; the largest window p99 bounds the run's p99 from above. Idle worker before the load: p99 ${(sumOf(idle, "nodejs_eventloop_lag_p99_seconds") * 1000).toFixed(1)} ms. CPU and RSS: the worker's process_cpu_seconds_total and process_resident_memory_bytes; child processes from /proc (every one carries the agent's CLAUDE_CONFIG_DIR).`,
      `Phases: startup = until the most agents ran at once (peak ${Math.max(...samples.map((s) => s.running))}); steady = while that many ran; wind-down = from the first end until every check run was completed and every pull request open on the stand-in GitHub.`,
      `Writes: every POST/PATCH/PUT/DELETE with an installation token the stand-in GitHub answered between the first webhook and the end, over the whole run: ${Object.entries(
        writesByKind(writes),
      )
        .map(([kind, count]) => `${kind} ${count}`)
        .join(
          ", ",
        )}. REPORT_MIN_INTERVAL_MS at its default (10 s); GITHUB_WRITES_PER_MINUTE/HOUR raised so the limiter did not hide how many writes Flotilla asks for (at the defaults, 80/min and 500/h per installation, these ${writes.length} writes would take at least ${(writes.length / 80).toFixed(1)} min, and ${(writes.length / 500).toFixed(1)} h of the hourly allowance).`,
      `Worker: ${sandboxLine.includes("namespaces") ? "agents in the namespace sandbox (AGENT_SANDBOX=auto)" : "agent sandbox: see worker log"}; LOG_LEVEL=info as in production.`,
    ],
  });
  if (profileDir !== undefined) {
    await worker.stop();
    console.log(`worker CPU profile written under ${profileDir}`);
  }
} catch (error) {
  printLogTails(world);
  throw error;
} finally {
  await cleanup();
}
