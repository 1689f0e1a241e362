// Webhooks: signed `/agents run` comment deliveries at a steady rate (default 200 a second for
// 30 s) against a real web-only Flotilla process; each a distinct delivery. Reports how fast
// they are acknowledged (from each one's scheduled send, open loop), and checks that every one
// became exactly one run with one agent job, and that a redelivery of a sample adds nothing. Then
// ordinary comments without a command (default 1,000 a second for 10 s): how fast they are
// acknowledged, and that none was stored.
// `node bench/webhooks.ts [--rate 200] [--seconds 30] [--resend 100] [--pulls 20]
//   [--comment-rate 1000] [--comment-seconds 10]`; BENCH_CPU_PROF_DIR=<dir> also writes a --cpu-prof
// of the web process.

import { IntakeQueue } from "../src/queue/intake-queue.ts";
import { runIdForDelivery } from "../src/store/identifiers.ts";
import {
  createE2eEnvironment,
  type E2eEnvironment,
  e2eInstallationId,
  e2eOwner,
} from "../test/support/e2e-environment.ts";
import { waitFor } from "../test/support/wait-for.ts";
import { issueCommentCreated, signWebhook } from "../test/support/webhooks.ts";
import { onCleanup, runBenchmark } from "./support/cleanup.ts";
import { type OpenLoopResult, type PreparedDelivery, sendOpenLoop } from "./support/open-loop-sender.ts";
import { numberOptions } from "./support/options.ts";
import { processCpuMs } from "./support/process-cpu.ts";
import { currentCommand, percentile, recordResults } from "./support/results.ts";

const options = numberOptions({
  rate: 200,
  seconds: 30,
  resend: 100,
  pulls: 20,
  "comment-rate": 1000,
  "comment-seconds": 10,
});
// Commands spread over this many pull requests of one repository, each with its own task, as
// a busy installation's would be (one pull request holding thousands of runs is not realistic).
const firstPull = 101;
const profileDir = process.env.BENCH_CPU_PROF_DIR;
const pulls = Array.from({ length: options.pulls }, (_, index) => firstPull + index);
// A repository the stand-in GitHub answers for from memory: one backed by a git directory
// would spawn `git` for most lookups, and then the stand-in, not Flotilla, would be measured.
const repo = "load";
const jobStates = [
  "waiting",
  "prioritized",
  "delayed",
  "active",
  "completed",
  "failed",
  "waiting-children",
] as const;

await runBenchmark(async () => {
  const world = await createE2eEnvironment("bench-webhooks");
  onCleanup(() => world.cleanup());
  // The product's GitHub write pace and reporting interval (the test world raises and shortens
  // them). Web role only: jobs stay in the queue, where they are counted.
  world.github.addRepository({ owner: e2eOwner, repo, installationId: e2eInstallationId });
  for (const number of pulls) {
    await world.github.addPullRequest({
      owner: e2eOwner,
      repo,
      number,
      head: { ref: `feature/${number}`, sha: "a".repeat(40) },
      base: { ref: "main", sha: "b".repeat(40) },
    });
  }
  const intake = new IntakeQueue(world.redis, world.prefix);
  onCleanup(() => intake.close());
  const web = await world.startFlotilla({
    role: "web",
    extraEnv: {
      GITHUB_WRITES_PER_MINUTE: "80",
      GITHUB_WRITES_PER_HOUR: "500",
      REPORT_MIN_INTERVAL_MS: "10000",
      ...(process.env.WEBHOOK_CONCURRENCY === undefined
        ? {}
        : { WEBHOOK_CONCURRENCY: process.env.WEBHOOK_CONCURRENCY }),
      ...(profileDir === undefined ? {} : { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` }),
    },
  });
  const url = `${web.url}/api/github/webhooks`;
  // One delivery first, untimed: the process's first request pays for lazy imports and the
  // installation token.
  await sendOpenLoop({ url, deliveries: prepareDeliveries(world, 1), ratePerSecond: 1 });

  const deliveries = prepareDeliveries(world, Math.round(options.rate * options.seconds));
  console.log(`sending ${deliveries.length} deliveries at ${options.rate}/s…`);
  const webPid = web.pid ?? 0;
  const cpuBeforeMs = await processCpuMs(webPid);
  const load = await sendOpenLoop({ url, deliveries, ratePerSecond: options.rate });
  // Answered once stored: the delivery consumer (in the same process) is still at work.
  const settleStartedAt = performance.now();
  const allQueued = await settle(world, deliveries.length + 1);
  await waitFor(async () => (await intake.backlog()).depth === 0 || undefined, {
    what: "every stored delivery to be processed",
    timeoutMs: 15 * 60_000,
    intervalMs: 50,
  });
  const settleMs = performance.now() - settleStartedAt;
  // Includes the reporter's writes of the same process, which the deliveries caused.
  const cpuPerDeliveryMs = ((await processCpuMs(webPid)) - cpuBeforeMs) / deliveries.length;
  const jobsAfterLoad = await jobsByRun(world);
  const runsAfterLoad = await countRuns(world);
  const deliveriesWithRun = (
    await Promise.all(deliveries.map((delivery) => world.store.runIdForDelivery(delivery.id)))
  ).filter((runId) => runId !== undefined).length;

  // The same deliveries again (same ids and bodies), as GitHub redelivers: nothing new may start.
  const step = Math.max(1, Math.floor(deliveries.length / options.resend));
  const resent = deliveries.filter((_, index) => index % step === 0).slice(0, options.resend);
  const resend = await sendOpenLoop({ url, deliveries: resent, ratePerSecond: options.rate });
  await settle(world, deliveries.length + 1);
  await waitFor(async () => (await intake.backlog()).depth === 0 || undefined, {
    what: "the redeliveries to be processed",
    intervalMs: 50,
  });
  const jobsAfterResend = await jobsByRun(world);
  const runsAfterResend = await countRuns(world);

  const expectedRuns = deliveries.map((delivery) => runIdForDelivery(delivery.id));
  const enqueuedOnce = expectedRuns.filter((runId) => jobsAfterLoad.get(runId) === 1).length;
  const totalJobs = (jobs: Map<string, number>) => [...jobs.values()].reduce((sum, count) => sum + count, 0);
  // Includes the warm-up delivery's job, which is not one of the load's.
  const extraJobs = totalJobs(jobsAfterLoad) - enqueuedOnce - 1;
  const newOnResend = totalJobs(jobsAfterResend) - totalJobs(jobsAfterLoad);
  const exactlyOnce = enqueuedOnce === deliveries.length && extraJobs === 0;

  // Ordinary comments: answered without touching Redis, none stored.
  const storedBefore = await intake.storedCount();
  const chatter = prepareDeliveries(
    world,
    Math.round(options["comment-rate"] * options["comment-seconds"]),
    (index) => `Thanks, this looks good to me (note ${index}).`,
  );
  console.log(`sending ${chatter.length} ordinary comments at ${options["comment-rate"]}/s…`);
  const comments = await sendOpenLoop({ url, deliveries: chatter, ratePerSecond: options["comment-rate"] });
  const storedComments = (await intake.storedCount()) - storedBefore;

  // GitHub counts a delivery as failed when the answer takes longer than 10 s.
  const withinGitHubTimeout = load.latencyMs.filter((ms) => ms <= 10_000).length;
  const ok = (result: OpenLoopResult) => result.status.filter((status) => status === 200).length;
  const statusSummary = (result: OpenLoopResult) =>
    Object.entries(
      result.status.reduce<Record<string, number>>((counts, status) => {
        counts[String(status)] = (counts[String(status)] ?? 0) + 1;
        return counts;
      }, {}),
    )
      .map(([status, count]) => `${status === "0" ? "no answer" : status}: ${count}`)
      .join(", ");
  await recordResults({
    title: "Webhooks",
    command: currentCommand(),
    figures: [
      { name: "deliveries sent", value: deliveries.length, unit: "" },
      {
        name: "achieved send rate",
        value: load.achievedRatePerSecond,
        unit: "/s",
        target: `${options.rate}/s`,
        met: load.achievedRatePerSecond >= options.rate * 0.98,
      },
      {
        name: "acknowledged 200",
        value: ok(load),
        unit: "",
        target: "all",
        met: ok(load) === deliveries.length,
      },
      {
        name: "answered within GitHub's 10 s",
        value: withinGitHubTimeout,
        unit: "",
        target: "all",
        met: withinGitHubTimeout === deliveries.length,
      },
      { name: "ack latency p50 (from schedule)", value: percentile(load.latencyMs, 50), unit: "ms" },
      {
        name: "ack latency p99 (from schedule)",
        value: percentile(load.latencyMs, 99),
        unit: "ms",
        target: "< 100 ms",
        met: percentile(load.latencyMs, 99) < 100,
      },
      { name: "ack latency max (from schedule)", value: Math.max(...load.latencyMs), unit: "ms" },
      { name: "sender's own lag p99", value: percentile(load.sendLagMs, 99), unit: "ms" },
      {
        name: "all deliveries processed, all jobs queued, after the last answer",
        value: allQueued ? settleMs : "never",
        unit: allQueued ? "ms" : "",
      },
      { name: "web process CPU per delivery", value: cpuPerDeliveryMs, unit: "ms" },
      {
        name: "deliveries with exactly one job",
        value: enqueuedOnce,
        unit: "",
        target: "all",
        met: exactlyOnce,
      },
      {
        name: "deliveries with a run (runs recorded)",
        value: `${deliveriesWithRun} (${runsAfterLoad - 1})`,
        unit: "",
        target: "all",
        met: deliveriesWithRun === deliveries.length && runsAfterLoad - 1 === deliveries.length,
      },
      {
        name: `jobs added by ${resent.length} redeliveries`,
        value: newOnResend,
        unit: "",
        target: "0",
        met: newOnResend === 0 && runsAfterResend === runsAfterLoad,
      },
      { name: "ordinary comments sent", value: chatter.length, unit: "" },
      {
        name: "ordinary comments: achieved send rate",
        value: comments.achievedRatePerSecond,
        unit: "/s",
        target: `${options["comment-rate"]}/s`,
        met: comments.achievedRatePerSecond >= options["comment-rate"] * 0.98,
      },
      {
        name: "ordinary comments: acknowledged 200",
        value: ok(comments),
        unit: "",
        target: "all",
        met: ok(comments) === chatter.length,
      },
      {
        name: "ordinary comments: ack latency p50",
        value: percentile(comments.latencyMs, 50),
        unit: "ms",
      },
      {
        name: "ordinary comments: ack latency p99",
        value: percentile(comments.latencyMs, 99),
        unit: "ms",
        target: "< 100 ms",
        met: percentile(comments.latencyMs, 99) < 100,
      },
      { name: "ordinary comments: ack latency max", value: Math.max(...comments.latencyMs), unit: "ms" },
      {
        name: "ordinary comments: sender's own lag p99",
        value: percentile(comments.sendLagMs, 99),
        unit: "ms",
      },
      {
        name: "ordinary comments stored in Redis",
        value: storedComments,
        unit: "",
        target: "0",
        met: storedComments === 0,
      },
    ],
    notes: [
      `Load: ${deliveries.length} issue_comment.created deliveries (real example payload, HMAC-signed, each its own X-GitHub-Delivery id and comment id) of \`/agents run <task N>\` spread round-robin over ${options.pulls} pull requests of one repository (one installation; the stand-in answers it from memory, with no git directory behind it), by a commenter with write access, POSTed open-loop at ${options.rate}/s from a worker thread (keep-alive, up to ${Math.max(256, options.rate * 5)} sockets). Statuses: ${statusSummary(load)}.`,
      "Latency is from each delivery's scheduled send time to the end of its response, so stalls count against every delivery they held up; the sender's own lag (actual minus scheduled send) is reported to show the sender kept up. The web process answers once the delivery is stored in the intake queue (signature check, JSON parse, one BullMQ add); the delivery consumer in the same process then does the handler's work (config and permission lookups, 👀, run record, check run and tracking comment, enqueue), WEBHOOK_CONCURRENCY=16 at a time, competing with the intake for the same event loop and cores.",
      "Web process CPU per delivery: user + system CPU time of the web process (from /proc) over the load and until every job was queued, divided by the deliveries; it includes the reporter's work for them in that time. On a shared machine it says more than elapsed time: 1000 / it is roughly the deliveries per second one core can take.",
      "Flotilla: one real `node src/main.ts web` process with product defaults (GITHUB_WRITES_PER_MINUTE=80, GITHUB_WRITES_PER_HOUR=500, REPORT_MIN_INTERVAL_MS=10000), so after the first few dozen GitHub writes the handler's writes are held back by the pace limiter and left to the reporter. Redis on 127.0.0.1; the stand-in GitHub (answering the handler's lookups and writes) runs in the benchmark's main thread. One untimed delivery warms the process up first.",
      `Exactly once: after the load, the agent queue (all job states) holds one job per delivery's run id (run ids come from delivery ids) and no other (apart from the warm-up's); the run store's run set for the pull request is counted too. Then ${resent.length} deliveries spread over the load are sent again with the same ids (statuses: ${statusSummary(resend)}): jobs ${totalJobs(jobsAfterLoad)} → ${totalJobs(jobsAfterResend)}, runs ${runsAfterLoad} → ${runsAfterResend}.`,
      `Ordinary comments: ${chatter.length} issue_comment.created deliveries without a command (statuses: ${statusSummary(comments)}), sent after the command load was fully processed; stored = jobs added to the intake queue meanwhile (every state).`,
      "Caveat: sender, stand-in GitHub, Flotilla and Redis share a 2-core machine with other work, so the figures are a lower bound of what the web process manages alone.",
    ],
  });
});

/** Signed comment deliveries (by default `/agents run`), each with its own delivery id, comment id and text. */
function prepareDeliveries(
  world: E2eEnvironment,
  count: number,
  text: (index: number, batch: string) => string = (index, batch) =>
    `/agents run summarise the open questions, part ${batch}-${index}`,
): PreparedDelivery[] {
  const batch = Math.random().toString(36).slice(2, 6);
  return Array.from({ length: count }, (_, index) => {
    const delivery = issueCommentCreated({
      owner: e2eOwner,
      repo,
      cloneUrl: `https://github.example/${e2eOwner}/${repo}.git`,
      installationId: e2eInstallationId,
      issueNumber: pulls[index % pulls.length] as number,
      isPullRequest: true,
      body: text(index, batch),
      login: "alice",
    });
    const body = JSON.stringify(delivery.payload);
    return { id: delivery.id, event: delivery.name, body, signature: signWebhook(body, world.webhookSecret) };
  });
}

/** Agent jobs in the queue (every state), counted per run id. */
async function jobsByRun(world: E2eEnvironment): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const job of await world.queue.getJobs([...jobStates])) {
    counts.set(job.data.runId, (counts.get(job.data.runId) ?? 0) + 1);
  }
  return counts;
}

async function countRuns(world: E2eEnvironment): Promise<number> {
  const perPull = await Promise.all(
    pulls.map((number) => world.store.runIdsForIssue(e2eOwner, repo, number)),
  );
  return perPull.reduce((sum, runs) => sum + runs.length, 0);
}

/**
 * Waits until `expected` jobs are queued (true), or until their number has not changed for
 * 20 s (false).
 */
async function settle(world: E2eEnvironment, expected: number): Promise<boolean> {
  let last = -1;
  let changedAt = performance.now();
  return waitFor(
    async () => {
      const counts = await world.queue.getJobCounts(...jobStates);
      const total = Object.values(counts).reduce((sum, count) => sum + count, 0);
      if (total !== last) [last, changedAt] = [total, performance.now()];
      if (total >= expected) return true;
      return performance.now() - changedAt > 20_000 ? "stuck" : undefined;
    },
    { what: "the web process to finish handling the deliveries", timeoutMs: 15 * 60_000, intervalMs: 50 },
  ).then((outcome) => outcome === true);
}
