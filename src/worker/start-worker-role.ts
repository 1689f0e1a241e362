// The worker role of a Flotilla process: the model gateway agents talk to, the agent tools it
// serves, the BullMQ worker running agent jobs, the cancel listener and the worktree sweep. It
// reports to the process's metrics and tells /readyz whether its BullMQ worker runs.
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chooseAgentSandbox } from "../agent/choose-agent-sandbox.ts";
import { AgentGateway } from "../gateway/agent-gateway.ts";
import { requestPolicy } from "../gateway/request-policy.ts";
import { createRedisConnection } from "../redis/redis-connection.ts";
import type { Services } from "../services.ts";
import type { AgentJobServices } from "./agent-job.ts";
import { startAgentWorker } from "./agent-worker.ts";
import { listenForCancels } from "./cancel-listener.ts";
import { GatewayModelAccess } from "./gateway-model-access.ts";
import { RunningAgents } from "./running-agents.ts";
import { createAgentToolHandler } from "./tools/agent-tool-handler.ts";
import { sweepWorktrees } from "./worktree-sweeper.ts";

const sweepIntervalMs = 15 * 60_000;
const projectRoot = fileURLToPath(new URL("../../", import.meta.url));

/** What the process hands the worker role; the role adds the running agents, their model access and sandbox. */
type SharedServices = Omit<Services, "modelAccess" | "runningAgents" | "sandbox" | "links">;

/** Starts the worker role; returns how to stop it (agents are handed back to the queue). */
export async function startWorkerRole(
  services: SharedServices,
  redisUrl: string,
): Promise<() => Promise<void>> {
  const { config, store, log, metrics, budgets } = services;
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
    workerConnection.disconnect();
  };
}

/** Files of the host no agent may read: Probot's .env (in the working directory) and the app key. */
function hostSecretFiles(): string[] {
  const keyPath = process.env.PRIVATE_KEY_PATH;
  return [resolve(".env"), ...(keyPath === undefined || keyPath === "" ? [] : [resolve(keyPath)])];
}
