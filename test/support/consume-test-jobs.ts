// Takes agent jobs from a test file's queue with `process` until the test stops it, through
// Flotilla's own consumer; failed jobs and consumer errors are kept for the test to assert on.
import { type AgentJob, consumeAgentJobs } from "../../src/queue/agent-job-consumer.ts";
import { createRedisConnection } from "../../src/redis/redis-connection.ts";
import { type TestRedis, testRedisUrl } from "./test-redis.ts";

export function consumeTestJobs(
  testRedis: Pick<TestRedis, "prefix">,
  process: (job: AgentJob) => Promise<string>,
  concurrency = 2,
): { failures: string[]; stop(): Promise<void> } {
  const connection = createRedisConnection(testRedisUrl, "blocking");
  const failures: string[] = [];
  const consumer = consumeAgentJobs(connection, {
    prefix: testRedis.prefix,
    concurrency,
    lockDurationMs: 30_000,
    stalledIntervalMs: 30_000,
    process,
    onFailed: (job, error) => failures.push(`${job.data.agentId}: ${error.message}`),
    onError: (error) => failures.push(error.message),
  });
  return {
    failures,
    stop: async () => {
      await consumer.close();
      connection.disconnect();
    },
  };
}
