// What the worker does when its gateway sees a model call meet trouble upstream: count it by
// kind, note it on the agent's record (whatever its CLI prints), and when the account is rate
// limited, press the fleet's brake until the reset so that no agent starts or resumes meanwhile.
import type { UpstreamTroubleEvent } from "../gateway/gateway-types.ts";
import type { Services } from "../services.ts";
import { ModelBrake } from "../store/model-brake.ts";
import { troubleWords } from "./model-wait.ts";

/** Without a reset time, a rate limit holds the fleet this long. */
const unnamedResetMs = 15_000;

export async function recordUpstreamTrouble(
  deps: Pick<Services, "store" | "metrics" | "log">,
  event: UpstreamTroubleEvent,
): Promise<void> {
  const { trouble } = event;
  deps.metrics.modelUpstreamError(trouble.kind);
  try {
    await deps.store.updateAgent(event.agentId, { modelTrouble: troubleWords(trouble) });
    if (trouble.kind === "rate_limited") {
      const until = trouble.resetAt ?? Date.now() + unnamedResetMs;
      await new ModelBrake(deps.store.redis, deps.store.keys).press(until, troubleWords(trouble));
    }
  } catch (error) {
    deps.log.warn({ err: error, agentId: event.agentId }, "could not record the model API's trouble");
  }
}
