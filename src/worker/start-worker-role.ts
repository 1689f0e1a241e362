// The worker role of a Flotilla process: the model gateway agents talk to, the agent tools it
// serves, the BullMQ worker running agent jobs, the cancel listener and the worktree sweep. It
// reports to the process's metrics and tells /readyz whether its BullMQ worker runs.

import { RunningAgents } from "../agent/running-agents.ts";
import { AgentGateway } from "../gateway/agent-gateway.ts";
import { requestPolicy } from "../gateway/request-policy.ts";
import { CommandRunner } from "../process/command-runner.ts";
import { runSubprocessesIn } from "../process/run-command.ts";
import { createRedisConnection } from "../redis/redis-connection.ts";
import type { Services } from "../services.ts";
import type { AgentJobServices } from "./agent-job.ts";
import { startAgentWorker } from "./agent-worker.ts";
import { listenForCancels } from "./cancel-listener.ts";
import { GatewayModelAccess } from "./gateway-model-access.ts";
import { createAgentToolHandler } from "./tools/agent-tool-handler.ts";
import { recordUpstreamTrouble } from "./upstream-trouble-hook.ts";
import { chooseWorkerSandbox } from "./worker-sandbox.ts";
import { sweepWorktrees } from "./worktree-sweeper.ts";

const sweepIntervalMs = 15 * 60_000;

/** What the process hands the worker role; the role adds the running agents, their model access and sandbox. */
type SharedServices = Omit<Services, "modelAccess" | "runningAgents" | "sandbox" | "links">;

export interface WorkerRole {
  /** How agents are isolated here (for the start line). */
  sandbox: string;
  /** Stops taking jobs and hands running agents back to the queue. */
  stop(): Promise<void>;
}

/** Starts the worker role; returns how to stop it (agents are handed back to the queue). */
export async function startWorkerRole(services: SharedServices, redisUrl: string): Promise<WorkerRole> {
  const { config, store, log, metrics, budgets } = services;
  // Every subprocess of this role (git, sandbox probes, agents) forks in the runner, not here.
  const commandRunner = new CommandRunner();
  commandRunner.start();
  runSubprocessesIn(commandRunner);
  const workerConnection = createRedisConnection(redisUrl, "blocking");
  const subscriber = createRedisConnection(redisUrl, "blocking");
  const runningAgents = new RunningAgents();
  const toolHandler = createAgentToolHandler({
    ...services,
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
    onUpstreamTrouble: (event) => void recordUpstreamTrouble(services, event),
    log: log.child({ name: "gateway" }),
  });
  await gateway.start();
  const modelAccess = new GatewayModelAccess(gateway, store, budgets, (agentId) => {
    void runningAgents.stop(agentId, "out_of_budget");
  });
  const sandbox = await chooseWorkerSandbox(config, log.child({ name: "sandbox" }));
  const deps: AgentJobServices = {
    ...services,
    modelAccess,
    runningAgents,
    sandbox,
    log: log.child({ name: "worker" }),
  };
  const stopListening = await listenForCancels(subscriber, store.keys, runningAgents, deps.log);
  const agentWorker = startAgentWorker(deps, workerConnection);
  metrics.watchRunningAgents(() => runningAgents.size);
  services.readiness.add("worker", async () =>
    agentWorker.consumer.isRunning() ? undefined : "the agent worker is not running",
  );
  const sweep = () =>
    void sweepWorktrees(deps).catch((error: unknown) =>
      deps.log.warn({ err: error }, "worktree sweep failed"),
    );
  sweep();
  const sweeper = setInterval(sweep, sweepIntervalMs);
  log.info({ concurrency: config.workerConcurrency, gateway: gateway.baseUrl }, "agent worker started");

  return {
    sandbox: sandbox.kind,
    stop: async () => {
      clearInterval(sweeper);
      await agentWorker.close();
      await stopListening();
      await gateway.stop();
      workerConnection.disconnect();
      runSubprocessesIn(undefined);
      await commandRunner.close();
    },
  };
}
