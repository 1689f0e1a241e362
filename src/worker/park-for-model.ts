// Parking an agent for the model API, like a parent waiting for its children: its work is
// committed and pushed, its session saved, its slot given up, and its job delayed until the
// model is expected back; then it resumes in the same session. The fleet's brake holds every
// job that would start or resume a CLI while the account is rate limited.
import type { AgentJob } from "../queue/agent-job-consumer.ts";
import { targetsShowingAgent } from "../reporter/report-targets.ts";
import type { Services } from "../services.ts";
import { ModelBrake } from "../store/model-brake.ts";
import type { AgentRecord } from "../store/records.ts";
import { type AgentWorkspace, checkpointWorkspace } from "../workspace/agent-workspace.ts";
import { brakeText, type ModelWaitPlan } from "./model-wait.ts";

type ParkServices = Pick<Services, "store" | "reporter" | "log">;

/** Spreads the agents a brake held over a few seconds after it lifts. */
function jitterMs(): number {
  return 500 + Math.floor(Math.random() * 4_000);
}

/** Commits the agent's work and shows it waiting for the model until `plan.resumeAt`. */
export async function parkForModel(
  deps: ParkServices,
  workspace: AgentWorkspace,
  agent: AgentRecord,
  plan: Extract<ModelWaitPlan, { resume: true }>,
): Promise<void> {
  const checkpoint = await checkpointWorkspace(
    workspace,
    agent,
    `${agent.name}: work in progress while waiting for the model`,
  );
  await deps.store.updateAgent(agent.id, {
    state: "waiting",
    waitKind: "model",
    waitingFor: [],
    modelTrouble: plan.trouble,
    modelResumeAt: plan.resumeAt,
    modelWaitSince: plan.since,
    modelWaits: plan.waits,
    modelResumeNow: false,
    pushedSha: checkpoint.pushedSha,
    currentStep: plan.text,
  });
  await deps.reporter.changed(targetsShowingAgent(agent), { urgent: true });
  deps.log.info(
    { agentId: agent.id, resumeAt: new Date(plan.resumeAt).toISOString(), trouble: plan.trouble },
    "agent parked while the model API is in trouble",
  );
}

/** Whether an agent is parked for the model (not for its children). */
export function isWaitingForModel(agent: AgentRecord): boolean {
  return agent.state === "waiting" && agent.waitKind === "model";
}

/**
 * Delays the job while the agent must still wait: until its own resume time, or while the
 * fleet's brake holds (unless someone asked to resume it now). Postpones the job then (which ends this processing).
 */
export async function holdWhileModelUnavailable(
  deps: ParkServices,
  job: AgentJob,
  agent: AgentRecord,
): Promise<void> {
  const now = Date.now();
  if (isWaitingForModel(agent) && !agent.modelResumeNow && (agent.modelResumeAt ?? 0) > now) {
    await job.postpone(agent.modelResumeAt ?? now);
  }
  if (agent.modelResumeNow) return;
  const brake = await new ModelBrake(deps.store.redis, deps.store.keys).current();
  if (brake === undefined) return;
  const step = brakeText(brake.until);
  // Said once per brake, not on every try: each change costs GitHub writes.
  if (agent.currentStep !== step) {
    await deps.store.updateAgent(agent.id, { currentStep: step });
    await deps.reporter.changed(targetsShowingAgent(agent));
    deps.log.info(
      { agentId: agent.id, until: new Date(brake.until).toISOString() },
      "agent held by the model brake",
    );
  }
  await job.postpone(brake.until + jitterMs());
}

/** The message a parked agent is resumed with, in its own session. */
export async function prepareResumeAfterModel(
  deps: Pick<Services, "store">,
  agent: AgentRecord,
): Promise<AgentRecord> {
  await deps.store.updateAgent(agent.id, {
    state: "running",
    modelResumeNow: false,
    pendingMessage: `The model API was unavailable for a while (${agent.modelTrouble ?? "trouble upstream"}), so Flotilla paused you and kept your work. It is back: continue your task from where you left off.`,
  });
  await deps.store.clearAgentFields(agent.id, ["waitKind", "modelResumeAt"]);
  return deps.store.requireAgent(agent.id);
}
