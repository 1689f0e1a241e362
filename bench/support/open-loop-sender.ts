// Sends prepared webhook deliveries on a fixed schedule (open loop: request i leaves at
// start + i / rate whether or not earlier ones were answered) from a thread of its own, so that
// the stand-in GitHub serving the same process cannot delay the sends or the clock readings.
// Latency is measured from each request's scheduled time, so a stall of the server (or of this
// sender) counts against every request it held up instead of hiding them (coordinated omission).
import { Agent, request } from "node:http";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";

export interface PreparedDelivery {
  id: string;
  event: string;
  body: string;
  signature: string;
}

export interface OpenLoopOptions {
  url: string;
  deliveries: PreparedDelivery[];
  ratePerSecond: number;
}

export interface OpenLoopResult {
  /** Per delivery, ms from its scheduled send to the end of the response. */
  latencyMs: number[];
  /** Per delivery, ms its send actually left after its scheduled time (this sender's own lag). */
  sendLagMs: number[];
  /** Per delivery, the HTTP status, or 0 when the request failed. */
  status: number[];
  /** Deliveries sent per second, from the first actual send to the last. */
  achievedRatePerSecond: number;
}

/** Runs the schedule in a worker thread and resolves with its measurements. */
export function sendOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: options });
    worker.once("message", resolve);
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`the sender thread exited (${code}) without results`)));
  });
}

async function runSchedule(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const count = options.deliveries.length;
  const intervalMs = 1000 / options.ratePerSecond;
  // Enough sockets that a slow server queues requests on its side, not in this agent.
  const agent = new Agent({ keepAlive: true, maxSockets: Math.max(256, options.ratePerSecond * 5) });
  const latencyMs = new Array<number>(count).fill(Number.NaN);
  const sendLagMs = new Array<number>(count).fill(Number.NaN);
  const status = new Array<number>(count).fill(0);
  const answered: Promise<void>[] = [];
  const startAt = performance.now() + 50;
  let firstSentAt = Number.NaN;
  let lastSentAt = Number.NaN;

  const send = (index: number, delivery: PreparedDelivery) => {
    const scheduledAt = startAt + index * intervalMs;
    const sentAt = performance.now();
    sendLagMs[index] = sentAt - scheduledAt;
    if (index === 0) firstSentAt = sentAt;
    lastSentAt = sentAt;
    return new Promise<void>((resolve) => {
      const outgoing = request(
        options.url,
        {
          method: "POST",
          agent,
          headers: {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(delivery.body),
            "user-agent": "GitHub-Hookshot/bench",
            "x-github-event": delivery.event,
            "x-github-delivery": delivery.id,
            "x-hub-signature-256": delivery.signature,
          },
        },
        (response) => {
          response.resume();
          response.on("end", () => {
            latencyMs[index] = performance.now() - scheduledAt;
            status[index] = response.statusCode ?? 0;
            resolve();
          });
        },
      );
      outgoing.on("error", () => {
        latencyMs[index] = performance.now() - scheduledAt;
        resolve();
      });
      outgoing.end(delivery.body);
    });
  };

  let next = 0;
  while (next < count) {
    // Send everything due (a late timer sends its backlog at once, as a real sender would).
    const now = performance.now();
    while (next < count && startAt + next * intervalMs <= now) {
      answered.push(send(next, options.deliveries[next] as PreparedDelivery));
      next += 1;
    }
    const wait = startAt + next * intervalMs - performance.now();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait)));
  }
  await Promise.all(answered);
  agent.destroy();
  const spanSeconds = (lastSentAt - firstSentAt) / 1000;
  return {
    latencyMs,
    sendLagMs,
    status,
    achievedRatePerSecond: count <= 1 || spanSeconds === 0 ? count : (count - 1) / spanSeconds,
  };
}

if (!isMainThread) {
  parentPort?.postMessage(await runSchedule(workerData as OpenLoopOptions));
}
