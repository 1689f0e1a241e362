// Overhead: how much longer `/agents run <task>` takes through a running Flotilla (signed webhook
// → check run completed on the stand-in GitHub) than the same task with a bare `claude -p` in a
// plain checkout, both against the same scripted model. Flotilla runs as one real `all` process,
// started and warmed up before anything is timed; runs of the two alternate, so noise from
// other work on the machine falls on both alike.
// `node bench/overhead.ts [--runs 10] [--warmup 1]`
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { runIdForDelivery } from "../src/store/identifiers.ts";
import { createKeySpace } from "../src/store/keys.ts";
import {
  createE2eEnvironment,
  type E2eEnvironment,
  e2eHeadBranch,
  e2eInstallationId,
  e2eOwner,
  e2ePullNumber,
  e2eRepo,
} from "../test/support/e2e-environment.ts";
import type { RunningFlotilla } from "../test/support/flotilla-process.ts";
import { waitFor } from "../test/support/wait-for.ts";
import { issueCommentCreated } from "../test/support/webhooks.ts";
import { prepareBareCheckout } from "./support/bare-claude.ts";
import { onCleanup, runBenchmark } from "./support/cleanup.ts";
import { numberOptions } from "./support/options.ts";
import { currentCommand, median, recordResults } from "./support/results.ts";

/** What the breakdown reads of a line of the Flotilla process's JSON log. */
const logLine = z.object({
  msg: z.string(),
  time: z.number(),
  agentId: z.string().optional(),
  heldMs: z.number().optional(),
});

const stepNames: { key: keyof Steps; name: string }[] = [
  { key: "checkRunCreated", name: "webhook sent → check run created" },
  { key: "jobStarted", name: "webhook sent → a worker began the agent's job (its startedAt)" },
  { key: "workspaceReady", name: "webhook sent → the agent's worktree was ready (the worker's log)" },
  { key: "claudeStarted", name: "webhook sent → the agent's claude was started (the worker's log)" },
  { key: "beforeFirstModelCall", name: "start → the model's first request" },
  {
    key: "firstCallHeld",
    name: "of which the gateway held the first model call until the session was kept (the worker's log)",
  },
  { key: "modelCalls", name: "the model's first request → its last (the CLI runs the tools)" },
  { key: "claudeExited", name: "the model's last request → the CLI exited (Flotilla: the worker's log)" },
  { key: "pushedAfterLastModelCall", name: "the model's last request → the agent's push arrived" },
  {
    key: "afterLastModelCall",
    name: "the model's last request → end (CLI exit; Flotilla: check run completed)",
  },
];

const options = numberOptions({ runs: 10, warmup: 1 });
const targetRatio = 1.3;
const task = "[[script:bench-notes]] write down notes about the project";
const notes = "# Notes\n\nThis project has a login module.\n";

await runBenchmark(async () => {
  const world = await createE2eEnvironment("bench-overhead");
  onCleanup(() => world.cleanup());
  // Two tool calls, as a small real task would make: write a file, read it back, then answer.
  world.model.script("bench-notes", ({ step, cwd }) => {
    if (step === 0)
      return { toolCalls: [{ name: "Write", input: { file_path: `${cwd}/NOTES.md`, content: notes } }] };
    if (step === 1) return { toolCalls: [{ name: "Read", input: { file_path: `${cwd}/NOTES.md` } }] };
    return { text: "Wrote NOTES.md." };
  });
  // The product's reporting interval (the test world shortens it). The world's raised GitHub
  // write pace stays: runs fired back to back from one installation would otherwise queue
  // behind the 80-writes-a-minute limiter, which is a deliberate pace, not overhead.
  const flotilla = await world.startFlotilla({ role: "all", extraEnv: { REPORT_MIN_INTERVAL_MS: "10000" } });
  const bare = await prepareBareCheckout({
    cloneUrl: world.remote.cloneUrl,
    branch: e2eHeadBranch,
    modelUrl: world.model.url,
  });
  onCleanup(() => bare.cleanup());

  const timeBare = async () => {
    const elapsedMs = await bare.timeRun(task);
    if ((await readFile(join(bare.cwd, "NOTES.md"), "utf8")) !== notes)
      throw new Error("bare claude -p did not write NOTES.md");
    return elapsedMs;
  };

  for (let round = 0; round < options.warmup; round += 1) {
    await timeFlotillaRun(world, flotilla);
    await timeBare();
  }
  const flotillaMs: number[] = [];
  const bareMs: number[] = [];
  const flotillaSteps: Steps[] = [];
  const bareSteps: Steps[] = [];
  for (let round = 0; round < options.runs; round += 1) {
    const flotillaRun = await timeFlotillaRun(world, flotilla);
    flotillaMs.push(flotillaRun.totalMs);
    flotillaSteps.push(flotillaRun.steps);
    const bareStart = Date.now();
    bareMs.push(await timeBare());
    bareSteps.push(bareStepsOf(world, bareStart, Date.now()));
    console.log(
      `run ${round + 1}/${options.runs}: flotilla ${flotillaMs.at(-1)?.toFixed(0)} ms, bare ${bareMs.at(-1)?.toFixed(0)} ms`,
      JSON.stringify({ flotilla: flotillaSteps.at(-1), bare: bareSteps.at(-1) }),
    );
  }

  const flotillaMedian = median(flotillaMs);
  const bareMedian = median(bareMs);
  const ratio = flotillaMedian / bareMedian;
  const range = (values: number[]) =>
    `${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)} ms`;
  await recordResults({
    title: "Overhead",
    command: currentCommand(),
    figures: [
      {
        name: "Flotilla, webhook → check run completed (median)",
        value: Math.round(flotillaMedian),
        unit: "ms",
      },
      { name: "bare `claude -p`, start → exit (median)", value: Math.round(bareMedian), unit: "ms" },
      {
        name: "ratio Flotilla / bare",
        value: ratio,
        unit: "×",
        target: `≤ ${targetRatio}×`,
        met: ratio <= targetRatio,
      },
      {
        name: "added by Flotilla (difference of medians)",
        value: Math.round(flotillaMedian - bareMedian),
        unit: "ms",
      },
      ...stepFigures(flotillaSteps, bareSteps),
    ],
    notes: [
      `${options.runs} runs each after ${options.warmup} untimed warm-up run(s) each (the first run clones the mirror); Flotilla and bare runs alternate. Ranges: Flotilla ${range(flotillaMs)}, bare ${range(bareMs)}.`,
      "Task: the scripted model makes two tool calls (Write NOTES.md, Read it back), then answers; the real `claude` CLI from node_modules runs them. Same script, flags (buildClaudeArguments), agent environment and allowed tools on both sides; the bare side has no MCP config.",
      "Flotilla: one real `node src/main.ts all` process (web + worker), Redis on 127.0.0.1, stand-in GitHub and scripted model in the benchmark process. Timed from just before the signed issue_comment POST to the moment the stand-in GitHub records the agent's check run as completed (an in-process hook, so no polling error). Includes permission and config lookups, 👀, check run and tracking comment creation, queue pick-up, the mirror and the worktree (a fresh checkout each run: this repository has fewer files than WORKTREE_POOL_MIN_FILES), Flotilla's tools served by the gateway, the gateway's hold of the first model call until the session is saved, the agent sandbox (if the kernel allows namespaces), commit and push. The repository is the stand-in's authenticated smart HTTP (`git http-backend` behind the installation token), as GitHub's would be: the worker fetches and pushes over it.",
      "Steps: when the stand-ins received the model's first and last requests, the agent's push and the check run's creation; when the worker began the job (the agent's `startedAt`), and logged its worktree ready, the CLI started, the first model call let go (with how long it was held) and the CLI's exit. Bare: spawn, the model's first and last requests, exit.",
      "Bare: `claude -p` with the same arguments minus MCP, in a plain clone of the same repository (reset between runs, untimed), timed from spawn to exit.",
      "Settings: product defaults (REPORT_MIN_INTERVAL_MS=10000, WORKER_CONCURRENCY=2, AGENT_SANDBOX=auto) except GITHUB_WRITES_PER_MINUTE=2000 and GITHUB_WRITES_PER_HOUR=100000: back-to-back runs from one installation would otherwise wait on the write pace limiter. Between Flotilla runs the benchmark waits (untimed) until the job is done and no GitHub write is pending.",
      "Caveat: a shared 2-core machine; other work inflates both sides, which is why the runs alternate.",
    ],
  });
});

/**
 * Where one run's time went, in ms, from what the stand-ins saw (each records when a request
 * arrived): before the model's first request, between its first and last (the CLI running the
 * tools), and after its last until the end (the CLI's exit; for Flotilla also commit, push and
 * the check run). The stand-ins share this process's clock, so the steps need no polling.
 */
interface Steps {
  beforeFirstModelCall: number;
  modelCalls: number;
  afterLastModelCall: number;
  /** Flotilla only: the webhook until the check run was created, the job began and the worktree was ready. */
  checkRunCreated?: number;
  jobStarted?: number;
  workspaceReady?: number;
  claudeStarted?: number;
  /** Flotilla only: how long the gateway held the first model call until the session was kept. */
  firstCallHeld?: number;
  /** The model's last request until the CLI exited (bare: the end). */
  claudeExited?: number;
  /** Flotilla only: the model's last request until the agent's last push arrived. */
  pushedAfterLastModelCall?: number;
}

/** Median of each step, Flotilla beside bare where bare has the step. */
function stepFigures(flotilla: Steps[], bare: Steps[]) {
  const medianOf = (steps: Steps[], key: keyof Steps) => {
    const values = steps.flatMap((step) => (step[key] === undefined ? [] : [step[key]]));
    return values.length === 0 ? undefined : Math.round(median(values));
  };
  return stepNames.map(({ key, name }) => {
    const ours = medianOf(flotilla, key);
    const theirs = medianOf(bare, key);
    return {
      name: `step: ${name}, Flotilla${theirs === undefined ? "" : " (bare)"} (median)`,
      value: theirs === undefined ? `${ours ?? "?"}` : `${ours ?? "?"} (${theirs})`,
      unit: "ms",
    };
  });
}

/** The bench-notes requests the model received in [from, to]. */
function modelRequestTimes(world: E2eEnvironment, from: number, to: number): number[] {
  return world.model
    .requestsFor("bench-notes")
    .map((request) => request.receivedAt)
    .filter((at) => at >= from && at <= to);
}

function bareStepsOf(world: E2eEnvironment, startedAt: number, endedAt: number): Steps {
  const times = modelRequestTimes(world, startedAt, endedAt);
  const first = times[0] ?? Number.NaN;
  const last = times.at(-1) ?? Number.NaN;
  return {
    beforeFirstModelCall: first - startedAt,
    modelCalls: last - first,
    claudeExited: endedAt - last,
    afterLastModelCall: endedAt - last,
  };
}

/** One `/agents run` through Flotilla: ms from sending the webhook to check run completed, and its steps. */
async function timeFlotillaRun(
  world: E2eEnvironment,
  web: RunningFlotilla,
): Promise<{ totalMs: number; steps: Steps }> {
  const delivery = issueCommentCreated({
    owner: e2eOwner,
    repo: e2eRepo,
    cloneUrl: world.cloneUrl,
    installationId: e2eInstallationId,
    issueNumber: e2ePullNumber,
    isPullRequest: true,
    body: `/agents run ${task}`,
    login: "alice",
  });
  // The check run's external_id is the agent id, `<run id>/<name>`, and the run id comes from the delivery.
  const agentPrefix = `${runIdForDelivery(delivery.id)}/`;
  let stopListening = () => {};
  let createdAt: number | undefined;
  const completed = new Promise<{ at: number; wallAt: number; conclusion: string | null }>((resolve) => {
    stopListening = world.github.onCheckRunEvent(({ checkRun }) => {
      if (!checkRun.external_id?.startsWith(agentPrefix)) return;
      createdAt ??= Date.now();
      if (checkRun.status === "completed")
        resolve({ at: performance.now(), wallAt: Date.now(), conclusion: checkRun.conclusion });
    });
  });
  try {
    const wallStart = Date.now();
    const startedAt = performance.now();
    const status = await world.deliver(web, delivery);
    if (status !== 200) throw new Error(`Flotilla answered the webhook with ${status}`);
    const end = await Promise.race([completed, rejectAfter(120_000, "the check run to complete")]);
    if (end.conclusion !== "success") throw new Error(`the agent ended with ${end.conclusion}`);
    await settle(world);
    const times = modelRequestTimes(world, wallStart, end.wallAt);
    const first = times[0] ?? Number.NaN;
    const last = times.at(-1) ?? Number.NaN;
    const gitTimes = (service: string, from: number, to: number) =>
      world.gitServer.requests
        .filter((entry) => entry.service === service && entry.time >= from && entry.time <= to)
        .map((entry) => entry.time);
    const pushed = gitTimes("git-receive-pack", last, end.wallAt).at(-1);
    const [agent] = await world.store.listRunAgents(runIdForDelivery(delivery.id));
    const agentLog = web.logs
      .map((line) => parseLogLine(line))
      .filter((entry) => entry !== undefined && entry.agentId === agent?.id);
    const logged = (msg: string) => agentLog.find((entry) => entry?.msg === msg);
    const ready = logged("agent workspace ready");
    const started = logged("agent's claude started");
    const kept = logged("agent's session kept: its model calls go ahead");
    const exited = logged("agent's claude exited");
    return {
      totalMs: end.at - startedAt,
      steps: {
        checkRunCreated: (createdAt ?? Number.NaN) - wallStart,
        jobStarted: (agent?.startedAt ?? Number.NaN) - wallStart,
        workspaceReady: (ready?.time ?? Number.NaN) - wallStart,
        claudeStarted: (started?.time ?? Number.NaN) - wallStart,
        beforeFirstModelCall: first - wallStart,
        firstCallHeld: kept?.heldMs ?? Number.NaN,
        modelCalls: last - first,
        claudeExited: (exited?.time ?? Number.NaN) - last,
        ...(pushed === undefined ? {} : { pushedAfterLastModelCall: pushed - last }),
        afterLastModelCall: end.wallAt - last,
      },
    };
  } finally {
    stopListening();
  }
}

/** A line of the Flotilla process's JSON log, or undefined for any other line. */
function parseLogLine(line: string): z.infer<typeof logLine> | undefined {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
  const parsed = logLine.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/** Waits (untimed) until the last run's job is done and its GitHub writes are out, so runs do not overlap. */
async function settle(world: E2eEnvironment): Promise<void> {
  const dirtyKey = createKeySpace(world.prefix).reportDirty();
  await waitFor(
    async () => {
      const counts = await world.queue.getJobCounts("active", "waiting", "delayed");
      const busy = Object.values(counts).reduce((sum, count) => sum + count, 0);
      return busy === 0 && (await world.redis.zcard(dirtyKey)) === 0;
    },
    { what: "the run's job and GitHub writes to finish", timeoutMs: 60_000, intervalMs: 50 },
  );
}

function rejectAfter(ms: number, what: string): Promise<never> {
  return new Promise((_, reject) =>
    setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms).unref(),
  );
}
