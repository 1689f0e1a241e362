// The worker role of a Flotilla process: the model gateway agents talk to, the agent tools it
// serves, the BullMQ worker running agent jobs, the cancel listener and the worktree sweep. It
// reports to the process's metrics and tells /readyz whether its BullMQ worker runs.
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";
import { chooseAgentSandbox } from "../agent/choose-agent-sandbox.ts";
import type { FlotillaConfig } from "../config/env.ts";
import { AgentGateway } from "../gateway/agent-gateway.ts";
import { requestPolicy } from "../gateway/request-policy.ts";
import type { GitHubClient } from "../github/github-app.ts";
import type { FlotillaMetrics } from "../ops/metrics.ts";
import type { Readiness } from "../ops/readiness.ts";
import { createAgentQueue } from "../queue/agent-queue.ts";
import { createRedisConnection } from "../queue/redis-connection.ts";
import type { Reporter } from "../reporter/reporter.ts";
import { createAgentToolHandler } from "../spawn/agent-tools.ts";
import { AgentEventLog } from "../store/agent-event-log.ts";
import { BudgetStore } from "../store/budget-store.ts";
import type { RunStore } from "../store/run-store.ts";
import { SessionArchive } from "../store/session-archive.ts";
import { startAgentWorker } from "./agent-worker.ts";
import { listenForCancels } from "./cancel-listener.ts";
import { GatewayModelAccess } from "./gateway-model-access.ts";
import { RunningAgents } from "./running-agents.ts";
import type { WorkerDependencies } from "./worker-dependencies.ts";
import { sweepWorktrees } from "./worktree-sweeper.ts";

const sweepIntervalMs = 15 * 60_000;
const projectRoot = fileURLToPath(new URL("../../", import.meta.url));

export interface WorkerRoleOptions {
  config: FlotillaConfig;
  redisUrl: string;
  store: RunStore;
  reporter: Reporter;
  clientFor: (installationId: number) => Promise<GitHubClient>;
  metrics: FlotillaMetrics;
  readiness: Readiness;
  log: Logger;
}

/** Starts the worker role; returns how to stop it (agents are handed back to the queue). */
export async function startWorkerRole(options: WorkerRoleOptions): Promise<() => Promise<void>> {
  const { config, store, log, metrics } = options;
  const workerConnection = createRedisConnection(options.redisUrl, "blocking");
  const queueConnection = createRedisConnection(options.redisUrl, "commands");
  const subscriber = createRedisConnection(options.redisUrl, "blocking");
  const queue = createAgentQueue(queueConnection, config.redisPrefix);
  const budgets = new BudgetStore(store.redis, store.keys);
  const runningAgents = new RunningAgents();
  const toolHandler = createAgentToolHandler({
    store,
    budgets,
    queue,
    reporter: options.reporter,
    runningAgents,
    log: log.child({ name: "agent-tools" }),
  });
  // Agents reach the model only through this gateway; the real credential stays here.
  const gateway = new AgentGateway({
    upstream: config.modelUpstream,
    ledger: budgets,
    policy: requestPolicy(config.allowedBetas, config.allowedServerTools),
    callsPerAgent: config.modelCallsPerAgent,
    toolHandler,
    onCharge: (event) => metrics.modelCharge(event),
    onTraffic: (event) => metrics.modelTraffic(event),
    log: log.child({ name: "gateway" }),
  });
  await gateway.start();
  if (config.modelUpstream.apiKey === undefined && config.modelUpstream.oauthToken === undefined) {
    log.warn(
      "neither ANTHROPIC_API_KEY nor CLAUDE_CODE_OAUTH_TOKEN is set: model calls will be refused upstream",
    );
  }
  const modelAccess = new GatewayModelAccess(gateway, store, budgets, (agentId) => {
    void runningAgents.stop(agentId, "out_of_budget");
  });
  const sandbox = await chooseAgentSandbox(
    config.sandboxMode,
    {
      dataDir: config.dataDir,
      secretFiles: hostSecretFiles(),
      extraHiddenPaths: config.sandboxHiddenPaths,
      programDirectories: [projectRoot, dirname(dirname(process.execPath)), dirname(config.claudePath)],
    },
    log.child({ name: "sandbox" }),
  );
  const deps: WorkerDependencies = {
    config,
    store,
    budgets,
    sessions: new SessionArchive(store.redis, store.keys),
    reporter: options.reporter,
    clientFor: options.clientFor,
    modelAccess,
    runningAgents,
    sandbox,
    log: log.child({ name: "worker" }),
    events: new AgentEventLog(store.redis, store.keys),
    metrics,
  };
  const stopListening = await listenForCancels(subscriber, store.keys, runningAgents, deps.log);
  const agentWorker = startAgentWorker(deps, workerConnection);
  metrics.watchQueue(() => queue.getJobCounts());
  metrics.watchRunningAgents(() => runningAgents.size);
  options.readiness.add("worker", async () =>
    agentWorker.worker.isRunning() ? undefined : "the agent worker is not running",
  );
  const sweep = () =>
    void sweepWorktrees(deps).catch((error: unknown) =>
      deps.log.warn({ err: error }, "worktree sweep failed"),
    );
  sweep();
  const sweeper = setInterval(sweep, sweepIntervalMs);
  log.info({ concurrency: config.workerConcurrency, gateway: gateway.baseUrl }, "agent worker started");

  return async () => {
    clearInterval(sweeper);
    await agentWorker.close();
    await stopListening();
    await gateway.stop();
    await queue.close();
    queueConnection.disconnect();
    workerConnection.disconnect();
  };
}

/** Files of the host no agent may read: Probot's .env (in the working directory) and the app key. */
function hostSecretFiles(): string[] {
  const keyPath = process.env.PRIVATE_KEY_PATH;
  return [resolve(".env"), ...(keyPath === undefined || keyPath === "" ? [] : [resolve(keyPath)])];
}
