// Cancel reaches an agent on whichever worker runs it: the web process publishes the agent id on
// a Redis channel, and every worker stops it if it runs there (and the processes its tools started).
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { RunningAgents } from "../agent/running-agents.ts";
import { runIdOfAgent } from "../store/identifiers.ts";
import type { KeySpace } from "../store/keys.ts";

export async function listenForCancels(
  subscriber: Redis,
  keys: KeySpace,
  runningAgents: RunningAgents,
  log: Logger,
): Promise<() => Promise<void>> {
  const channel = keys.cancelChannel();
  subscriber.on("message", (received: string, agentId: string) => {
    if (received !== channel) return;
    void runningAgents.stop(agentId, "cancelled").then((stopped) => {
      if (stopped) log.info({ runId: runIdOfAgent(agentId), agentId }, "agent stopped on cancel");
    });
  });
  await subscriber.subscribe(channel);
  return async () => {
    await subscriber.unsubscribe(channel);
    subscriber.disconnect();
  };
}
