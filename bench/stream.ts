// Stream: how fast the worker reads an agent's stream-json output and how much memory that
// takes, through the worker's own path: readAgentOutput (follow the transcript file, split
// lines, parse) feeding a ProgressRecorder that writes the agent's record and live tail to
// Redis, as runAgentSession wires it; only the GitHub reporter is left out.
// `node bench/stream.ts [--megabytes 1024]`; needs Redis (REDIS_URL, default 127.0.0.1:6379).
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { splitLines } from "../src/agent/line-splitter.ts";
import { readAgentOutput } from "../src/agent/read-agent-output.ts";
import type { AgentStreamEvent } from "../src/agent/stream-events.ts";
import { followFile } from "../src/process/follow-file.ts";
import { createRedisConnection } from "../src/redis/redis-connection.ts";
import { AgentEventLog } from "../src/store/agent-event-log.ts";
import { createKeySpace } from "../src/store/keys.ts";
import { RunStore } from "../src/store/run-store.ts";
import { LiveEventPublisher } from "../src/worker/live-event-publisher.ts";
import { ProgressRecorder } from "../src/worker/progress-recorder.ts";
import { makeAgentRecord, makeNewRun } from "../test/support/agent-record.ts";
import { deleteKeysWithPrefix } from "../test/support/test-redis.ts";
import { mebibytes, seconds } from "./support/format-units.ts";
import { numberOptions } from "./support/options.ts";
import { currentCommand, recordResults } from "./support/results.ts";
import { sampleRss } from "./support/rss-sampler.ts";
import { streamJsonLines } from "./support/stream-json-lines.ts";
import { timeIt } from "./support/time-it.ts";
import { writeLines } from "./support/write-lines.ts";

const values = numberOptions({ megabytes: 1024 });
const totalBytes = values.megabytes * 2 ** 20;
const warmUpBytes = Math.min(totalBytes, 32 * 2 ** 20);

const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const redis = createRedisConnection(redisUrl, "commands");
const prefix = `{flotilla-bench-${randomBytes(4).toString("hex")}}`;
const keys = createKeySpace(prefix);
const store = new RunStore(redis, keys);
const eventLog = new AgentEventLog(redis, keys);
const scratch = await mkdtemp(join(tmpdir(), "flotilla-bench-stream-"));

/** Reads one transcript to its end the way the worker does; counts what it saw. */
async function readLikeTheWorker(path: string, agentId: string, onEvent: () => void) {
  const counts = { events: 0, toolResults: 0 };
  const live = new LiveEventPublisher({
    log: eventLog,
    agentId,
    onError: (error) => {
      throw error;
    },
  });
  const recorder = new ProgressRecorder(
    {
      store,
      agentId,
      onFlushed: () => undefined,
      onWriteError: (error) => {
        throw error;
      },
      live,
    },
    [],
  );
  const result = await readAgentOutput(path, {
    startOffset: 0,
    // The CLI has exited: the file is complete, so the reader never waits for more.
    writerExited: Promise.resolve(),
    onEvent: (event: AgentStreamEvent) => {
      counts.events += 1;
      if (event.kind === "tool_result") counts.toolResults += 1;
      recorder.record(event);
      onEvent();
    },
  });
  await recorder.flush();
  if (result === undefined) throw new Error(`No result event read from ${path}.`);
  return counts;
}

/** The floor for this design: the same file through followFile and splitLines, then JSON.parse alone. */
async function splitAndParseOnly(path: string): Promise<void> {
  const output = followFile(path, { startOffset: 0, writerExited: Promise.resolve() });
  for await (const line of splitLines(output)) if (typeof line === "string") JSON.parse(line);
}

try {
  await redis.ping();
  // The records the worker would find: the run and its two agents (a warm-up and the measured one).
  await store.createRun(
    makeNewRun({ id: "bench" }),
    ["warm-up", "agent"].map((name) => makeAgentRecord({ runId: "bench", name, maxTurns: 100 })),
  );
  const warmUpPath = join(scratch, "warm-up.jsonl");
  const transcriptPath = join(scratch, "transcript.jsonl");
  // Written before any timing starts: the CLI's writing is not the worker's cost.
  console.log(`Writing ${mebibytes(totalBytes)} MiB of stream-json to ${transcriptPath}…`);
  const written = await timeIt(() => writeLines(transcriptPath, streamJsonLines({ totalBytes })));
  await writeLines(warmUpPath, streamJsonLines({ totalBytes: warmUpBytes }));
  const fileBytes = (await stat(transcriptPath)).size;

  // Warm-up: JIT, Redis connection and heap reach their working state before the baseline.
  await readLikeTheWorker(warmUpPath, "bench/warm-up", () => undefined);
  const baselineRss = process.memoryUsage.rss();
  const rss = sampleRss();
  const cpuBefore = process.cpuUsage();
  let sinceSample = 0;
  const read = await timeIt(() =>
    readLikeTheWorker(transcriptPath, "bench/agent", () => {
      sinceSample += 1;
      if (sinceSample % 64 === 0) rss.sample();
    }),
  );
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const peakRss = rss.stop();
  const floor = await timeIt(() => splitAndParseOnly(transcriptPath));
  const record = await store.requireAgent("bench/agent");
  // The recorder wrote what a check run shows (turns are the gateway's, not the stream's).
  if (!record.sessionStarted || record.recentTools.length === 0)
    throw new Error("The progress recorder did not record the run's session and tool calls.");

  const megabytesPerSecond = mebibytes(fileBytes) / (read.ms / 1000);
  const growth = mebibytes(peakRss - baselineRss);
  await recordResults({
    title: "Stream",
    command: currentCommand(),
    figures: [
      { name: "Stream-json read", value: mebibytes(fileBytes), unit: "MiB" },
      { name: "Time", value: seconds(read.ms), unit: "s" },
      {
        name: "Throughput",
        value: Math.round(megabytesPerSecond),
        unit: "MiB/s",
        target: "≥ 200 MB/s",
        met: megabytesPerSecond >= 200,
      },
      {
        name: "Throughput per CPU second of this process",
        value: Math.round(mebibytes(fileBytes) / (cpuMs / 1000)),
        unit: "MiB/s",
      },
      {
        name: "For comparison: the same file split and JSON.parse'd, nothing else",
        value: Math.round(mebibytes(fileBytes) / (floor.ms / 1000)),
        unit: "MiB/s",
      },
      { name: "RSS baseline after warm-up", value: mebibytes(baselineRss), unit: "MiB" },
      {
        name: "RSS growth (peak − baseline)",
        value: growth,
        unit: "MiB",
        target: "< 50 MB",
        met: growth < 50,
      },
    ],
    notes: [
      `Input: ${read.value.events.toLocaleString("en-US")} events (${read.value.toolResults.toLocaleString("en-US")} tool results) from generated lines shaped like the CLI's (bench/support/stream-json-lines.ts): init, assistant text and tool_use lines (Write/Edit inputs with file contents), user tool_result lines (log-normal sizes, median ~6 KB, up to 1 MiB), built-in sub-agent task lines, API retries, a 1–6 MiB Write or Read line every ~64 MiB, and a result line. Seeded: the same bytes every run.`,
      `The file was written first (${seconds(written.ms)} s, not timed) and is in the page cache; the timed part is the worker's own loop, readAgentOutput (src/agent/read-agent-output.ts: followFile → splitLines → StreamParser) with every event given to a ProgressRecorder with a LiveEventPublisher, writing to a real Redis (${redisUrl}) as runAgentSession does, with stream usage counting on. The GitHub reporter (onFlushed) is left out.`,
      "The comparison figure reads the same file through followFile and splitLines and only JSON.parse's each line (after the measured pass): what any reader of whole stream-json lines in Node pays. The closer the two, the less Flotilla's own parsing and recording add. A CPU profile of this path shows JSON.parse, UTF-8 decoding of the lines (most are two-byte strings: one non-Latin-1 character, like the CLI's own em dashes, is enough) and GC as nearly all of the time; no change to the parser was made.",
      "RSS sampled every 10 ms and every 64 events; baseline taken after a 32 MiB warm-up pass through the same path. No forced GC: growth includes garbage V8 had not collected yet.",
      "MB here is MiB (2^20 bytes). Throughput is wall-clock; the machine is shared with other benchmarks, so it is noisy. The per-CPU-second figure (user + system time of this process, GC and I/O threads included) is what one free core would manage, and moves less with the load.",
    ],
  });
} finally {
  await deleteKeysWithPrefix(redis, prefix).catch(() => undefined);
  redis.disconnect();
  await rm(scratch, { recursive: true, force: true });
}
