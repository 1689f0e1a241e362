// The BullMQ queue of webhook deliveries ("events"), and the only module that knows its Redis keys
// and BullMQ's types for it: the web process stores each delivery that can matter here before it
// answers GitHub, and a consumer (any number of processes) works through them. A delivery's job
// id comes from its X-GitHub-Delivery id, so a redelivery of a stored delivery adds nothing.
import { type Job, type JobsOptions, Queue, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { z } from "zod";

const intakeQueueName = "events";

/** A verified delivery as stored: GitHub's event name, delivery id and parsed payload. */
export interface StoredDelivery {
  id: string;
  name: string;
  payload: Record<string, unknown>;
  /** When the web process stored it (ms since the epoch). */
  receivedAt: number;
}

/** What /metrics and /readyz say about the deliveries not processed yet. */
export interface IntakeBacklog {
  /** Deliveries stored and not yet processed (waiting, being processed, or waiting to retry). */
  depth: number;
  /** Age of the oldest of them, or 0 when there is none. */
  oldestAgeMs: number;
}

/** Where a stored delivery is; `absent` when it was never stored (or is long gone). */
export type DeliveryState = "absent" | "pending" | "completed" | "failed";

const storedDeliverySchema = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  payload: z.record(z.string(), z.unknown()),
  receivedAt: z.number(),
});

const jobOptions: JobsOptions = {
  // A failure is GitHub or Redis being away for a moment: worth a few more tries, spread out.
  attempts: 6,
  backoff: { type: "exponential", delay: 2_000 },
  // A redelivery within a day finds the job and adds nothing; later ones are caught by the
  // handlers' own idempotency (runs, replies and reactions are keyed by delivery id).
  removeOnComplete: { age: 86_400 },
  removeOnFail: { age: 7 * 86_400 },
};

const unprocessedStates = ["waiting", "active", "delayed", "prioritized"] as const;

export class IntakeQueue {
  private readonly queue: Queue;

  /**
   * `connection` should fail fast (see redis-connection.ts, "fail-fast"): a delivery Redis cannot
   * take must be answered 503 at once, not queued in the client until Redis is back.
   */
  constructor(connection: Redis, prefix: string, onError: (error: Error) => void = () => {}) {
    this.queue = new Queue(intakeQueueName, { connection, prefix });
    this.queue.on("error", onError);
  }

  /** Stores the delivery; resolves once Redis holds it. A stored delivery id adds nothing. */
  async add(delivery: StoredDelivery): Promise<void> {
    await this.queue.add(delivery.name, delivery, { ...jobOptions, jobId: deliveryJobId(delivery.id) });
  }

  async state(deliveryId: string): Promise<DeliveryState> {
    const state = await this.queue.getJobState(deliveryJobId(deliveryId));
    if (state === "unknown") return "absent";
    if (state === "completed" || state === "failed") return state;
    return "pending";
  }

  async backlog(now = Date.now()): Promise<IntakeBacklog> {
    const counts = await this.queue.getJobCounts(...unprocessedStates);
    const depth = Object.values(counts).reduce((sum, count) => sum + count, 0);
    if (depth === 0) return { depth, oldestAgeMs: 0 };
    // The oldest job of each state (ascending order), not every job: a backlog may be long.
    const oldest = await Promise.all(
      unprocessedStates.map((state) => this.queue.getJobs([state], 0, 0, true)),
    );
    const timestamps = oldest.flat().map((job) => job.timestamp);
    return { depth, oldestAgeMs: timestamps.length === 0 ? 0 : Math.max(0, now - Math.min(...timestamps)) };
  }

  /** Deliveries held in any state, processed ones included (for benchmarks and tests). */
  async storedCount(): Promise<number> {
    const counts = await this.queue.getJobCounts(...unprocessedStates, "completed", "failed");
    return Object.values(counts).reduce((sum, count) => sum + count, 0);
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

export interface IntakeConsumerOptions {
  prefix: string;
  /** Deliveries processed at once by this process. */
  concurrency: number;
  /** How soon a killed consumer's delivery is taken up again (as for agent jobs). */
  lockDurationMs: number;
  stalledIntervalMs: number;
  /** A delivery failed for good (after its attempts); it will not be tried again. */
  onFinalFailure: (delivery: StoredDelivery | undefined, error: Error, attempts: number) => void;
  onError: (error: Error) => void;
}

export interface IntakeConsumer {
  /** Stops taking deliveries and waits for the ones in hand. */
  close(): Promise<void>;
}

/** Takes stored deliveries one job at a time and hands each to `process`; a throw retries it. */
export function startIntakeConsumer(
  connection: Redis,
  options: IntakeConsumerOptions,
  process: (delivery: StoredDelivery) => Promise<void>,
): IntakeConsumer {
  const worker = new Worker(intakeQueueName, (job: Job) => process(parseJob(job)), {
    connection,
    prefix: options.prefix,
    concurrency: options.concurrency,
    lockDuration: options.lockDurationMs,
    stalledInterval: options.stalledIntervalMs,
    // A consumer killed half-way is not the delivery's fault: take it up again, every time.
    maxStalledCount: 1_000,
  });
  worker.on("failed", (job, error) => {
    if (job === undefined) return;
    const attempts = job.opts.attempts ?? 1;
    if (job.attemptsMade < attempts && error.name !== "UnrecoverableError") return;
    const parsed = storedDeliverySchema.safeParse(job.data);
    options.onFinalFailure(parsed.success ? parsed.data : undefined, error, job.attemptsMade);
  });
  worker.on("error", options.onError);
  return { close: () => worker.close() };
}

function parseJob(job: Job): StoredDelivery {
  const parsed = storedDeliverySchema.safeParse(job.data);
  if (!parsed.success)
    throw new UnrecoverableError(
      `job ${job.id ?? "?"} of the "${intakeQueueName}" queue is not a stored delivery (${parsed.error.message}); was it added by another program?`,
    );
  return parsed.data;
}

/** BullMQ refuses ids that are plain integers or hold `:`; GitHub's are GUIDs, but say so. */
function deliveryJobId(deliveryId: string): string {
  return `delivery-${deliveryId}`;
}
