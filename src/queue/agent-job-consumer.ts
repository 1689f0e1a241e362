// The consuming side of the agent queue: BullMQ's Worker, and each job as the rest of Flotilla
// sees it (AgentJob). With agent-queue.ts, the only code that knows BullMQ: the worker's code
// postpones a job or parks it under its children through AgentJob, never through BullMQ's Job.
import { DelayedError, type Job, UnrecoverableError, WaitingChildrenError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { type AgentJobData, agentJobDataSchema, agentQueueName, type ParentJob } from "./agent-queue.ts";

/** One agent job being processed, with the lock token its moves out of "active" need. */
export interface AgentJob {
  readonly data: AgentJobData;
  /** This job as the parent of a child agent's job (see AgentQueue.enqueue). */
  readonly asParent: ParentJob;
  /** Tries made so far, and how many the job gets (a failure after the last is final). */
  readonly attemptsMade: number;
  readonly attempts: number;
  /** Hands the job back to the queue until `atMs` and ends this processing: never returns. */
  postpone(atMs: number): Promise<never>;
  /**
   * Parks the job until every child attached to it has ended, which ends this processing; returns
   * (the job still active) when no child is pending.
   */
  parkUntilChildrenEnd(): Promise<void>;
}

export interface AgentJobConsumerOptions {
  prefix: string;
  concurrency: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  /** Runs one job to its result (the words the job completes with). */
  process(job: AgentJob): Promise<string>;
  /** A job's try failed: `error` is what its processing threw. */
  onFailed(job: AgentJob, error: Error): void;
  /**
   * The consumer's own errors (its connection, its locks), and jobs whose data is not an agent
   * job's: those are failed for good without being processed, and only heard of here.
   */
  onError(error: Error): void;
}

export interface AgentJobConsumer {
  isRunning(): boolean;
  /** Stops taking jobs and waits for the running ones to end. */
  close(): Promise<void>;
}

/** Takes agent jobs from the queue on `connection` (a blocking connection of its own). */
export function consumeAgentJobs(connection: Redis, options: AgentJobConsumerOptions): AgentJobConsumer {
  // The data is whatever Redis holds (Job<unknown>): each job is parsed before it is processed.
  const worker = new Worker<unknown, string>(
    agentQueueName,
    (job, token) => options.process(agentJob(job, parseJobData(job), token)),
    {
      connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      lockDuration: options.lockDurationMs,
      stalledInterval: options.stalledIntervalMs,
      // Workers may be killed at any moment (deploys, OOM): a stalled agent job is resumed, not failed.
      maxStalledCount: 1_000,
    },
  );
  worker.on("failed", (job, error) => {
    if (job === undefined) return;
    const parsed = agentJobDataSchema.safeParse(job.data);
    if (parsed.success) options.onFailed(agentJob(job, parsed.data, undefined), error);
    else options.onError(error);
  });
  worker.on("error", options.onError);
  return { isRunning: () => worker.isRunning(), close: () => worker.close() };
}

/** The job's data, or an error that fails the job at once (another try would not parse either). */
function parseJobData(job: Job<unknown, string>): AgentJobData {
  const parsed = agentJobDataSchema.safeParse(job.data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join(".") || "data"}: ${issue.message}`,
    );
    throw new UnrecoverableError(
      `job ${job.id ?? "?"} of the "${agentQueueName}" queue is not an agent job (${problems.join("; ")}); was it added by another program?`,
    );
  }
  return parsed.data;
}

function agentJob(job: Job<unknown, string>, data: AgentJobData, token: string | undefined): AgentJob {
  return {
    data,
    get asParent() {
      return { id: jobIdOf(job), queueQualifiedName: job.queueQualifiedName };
    },
    attemptsMade: job.attemptsMade,
    attempts: job.opts.attempts ?? 1,
    postpone: async (atMs) => {
      await job.moveToDelayed(atMs, token);
      // BullMQ's sign that the processor moved the job itself: it neither completes nor fails it.
      throw new DelayedError();
    },
    parkUntilChildrenEnd: async () => {
      if (await job.moveToWaitingChildren(token ?? "")) throw new WaitingChildrenError();
    },
  };
}

/** Jobs taken from a queue always have an id (AgentQueue gives each one). */
function jobIdOf(job: Job<unknown, string>): string {
  if (job.id === undefined) throw new Error("The parent's job has no id; cannot attach a child to it.");
  return job.id;
}
