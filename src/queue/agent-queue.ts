// The BullMQ queue of agent jobs, and the only module that holds BullMQ's Queue: the rest of
// Flotilla enqueues agents through AgentQueue. One job is one agent's next stretch of work; its
// id comes from the agent id and generation, so enqueueing twice starts nothing new.
import { type JobsOptions, Queue } from "bullmq";
import type { Redis } from "ioredis";
import { z } from "zod";

export const agentQueueName = "agents";

/** An agent job's data as stored in Redis; the consumer parses each job it takes with it. */
export const agentJobDataSchema = z.object({
  agentId: z.string().min(1),
  runId: z.string().min(1),
  generation: z.number().int().min(0),
});

export type AgentJobData = z.infer<typeof agentJobDataSchema>;

/** The job a child's job is attached to, so that BullMQ holds the parent until its children end. */
export interface ParentJob {
  id: string;
  queueQualifiedName: string;
}

const jobOptions: JobsOptions = {
  // Agent outcomes (failed, out of budget, …) are results, not job failures: a job fails only
  // when the machinery does (git, Redis, disk), and then it is worth another try.
  attempts: 3,
  backoff: { type: "exponential", delay: 5_000 },
  removeOnComplete: { age: 7 * 86_400 },
  removeOnFail: { age: 30 * 86_400 },
};

export class AgentQueue {
  private readonly queue: Queue<AgentJobData>;

  /**
   * `connection` is a commands connection (see redis-connection.ts); closing the queue keeps it
   * open. `onError` hears the queue's errors (without a listener BullMQ prints each one).
   */
  constructor(connection: Redis, prefix: string, onError: (error: Error) => void = () => {}) {
    this.queue = new Queue<AgentJobData>(agentQueueName, { connection, prefix });
    this.queue.on("error", onError);
  }

  /** Adds the agent's job of its generation, under `parent` when given; a second add does nothing. */
  async enqueue(data: AgentJobData, parent?: ParentJob): Promise<void> {
    await this.queue.add("agent", data, {
      ...jobOptions,
      jobId: agentJobId(data.agentId, data.generation),
      ...(parent === undefined
        ? {}
        : {
            parent: { id: parent.id, queue: parent.queueQualifiedName },
            // A failed child must not fail its parent: the parent is resumed and told what failed.
            ignoreDependencyOnFailure: true,
          }),
    });
  }

  /** The job of the agent's generation as a parent for another job, if it still exists. */
  async parentJob(agentId: string, generation: number): Promise<ParentJob | undefined> {
    const id = agentJobId(agentId, generation);
    const job = await this.queue.getJob(id);
    return job === undefined ? undefined : { id, queueQualifiedName: job.queueQualifiedName };
  }

  /**
   * Runs the agent's delayed job now (an agent parked for the model that someone resumes);
   * false when the job is not delayed (it runs already, or is gone).
   */
  async runNow(agentId: string, generation: number): Promise<boolean> {
    const job = await this.queue.getJob(agentJobId(agentId, generation));
    if (job === undefined || !(await job.isDelayed())) return false;
    try {
      await job.promote();
      return true;
    } catch {
      // It left the delayed set meanwhile (a worker took it): it runs anyway.
      return false;
    }
  }

  /** Jobs per BullMQ state (`waiting-children` are parked agents), for metrics. */
  async jobCounts(): Promise<Record<string, number>> {
    return this.queue.getJobCounts();
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

function agentJobId(agentId: string, generation: number): string {
  return `${agentId}@${generation}`;
}
