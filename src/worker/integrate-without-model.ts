// The job of an integrating root (records.ts `role`, runs/fan-out-plan.ts) while its `claude`
// session has not started: it carves its children's budgets, parks under them, merges their
// branches when they end (park-for-children.ts), and finishes with one pull request, all
// without a model call. Only a merge that left conflict markers hands it to a `claude` session,
// started fresh with a prompt to resolve them (agent/integrator-prompt.ts).
import type { AgentJob } from "../queue/agent-job-consumer.ts";
import type { Services } from "../services.ts";
import type { AgentRecord, RunRecord } from "../store/records.ts";
import { isTerminal } from "../store/records.ts";
import type { AgentWorkspace } from "../workspace/agent-workspace.ts";
import { finishAgent } from "./finish-agent.ts";
import { integrationEnding, integratorStep, mayCallModel } from "./integrator-step.ts";
import { park, prepareResumeAfterWaiting } from "./park-for-children.ts";
import type { RepositorySlot } from "./repository-slot.ts";
import { parkUnderChildren } from "./unstarted-children.ts";

type IntegratorServices = Pick<
  Services,
  "config" | "store" | "budgets" | "reporter" | "queue" | "metrics" | "log"
>;

/** When children still work but none holds this job back (a retried root's), look again this much later. */
const recheckMs = 15_000;

/**
 * Returns the state the root ended in, or undefined when a `claude` session is to run next: it is
 * not an integrator, its session has started, or a conflict waits to be resolved.
 */
export async function integrateWithoutModel(
  deps: IntegratorServices,
  job: AgentJob,
  run: RunRecord,
  workspace: AgentWorkspace,
  agentId: string,
  slot: RepositorySlot,
): Promise<string | undefined> {
  for (;;) {
    const agent = await deps.store.requireAgent(agentId);
    if (mayCallModel(agent)) return undefined;
    const children = await deps.store.listChildren(agentId);
    const step = integratorStep(children, agent.childMerges);
    if (step === "resolve") {
      deps.log.info({ agentId }, "a merge conflicted: starting claude to resolve it");
      return undefined;
    }
    if (step === "finish") return finishIntegration(deps, job, run, agent, children, workspace);
    await reserveChildBudgets(deps, agent, children, run.limits.defaultChildBudgetShare);
    // The branch is pushed first: each child's pull request targets it.
    const waitFor = children.map((child) => child.id);
    await park(deps, workspace, agent, waitFor, "asked", false, { pushEvenIfUnchanged: true });
    await slot.release();
    await parkUnderChildren(deps, job);
    // Their jobs are done, or were never this job's children: are the children done?
    const unfinished = (await deps.store.listChildren(agentId)).filter((child) => !isTerminal(child.state));
    if (unfinished.length > 0) return job.postpone(Date.now() + recheckMs);
    await slot.retake();
    await prepareResumeAfterWaiting(deps, await deps.store.requireAgent(agentId), workspace);
  }
}

async function finishIntegration(
  deps: IntegratorServices,
  job: AgentJob,
  run: RunRecord,
  agent: AgentRecord,
  children: readonly AgentRecord[],
  workspace: AgentWorkspace,
): Promise<string> {
  const results = new Map<string, string>();
  for (const child of children)
    results.set(child.id, (await deps.store.readResult(child.id, 0, 2_000))?.text ?? "");
  const ending = integrationEnding(agent, run.issueNumber, children, agent.childMerges, results);
  await finishAgent(deps, agent, workspace, ending);
  deps.log.info(
    { state: ending.state, children: children.length },
    "integrating agent ended without the model",
  );
  await parkUnderChildren(deps, job);
  return ending.state;
}

/**
 * Each child's budget comes out of the root's, as a spawned child's does; done before any child
 * has a job, and again harmlessly on every later pass (a reservation is made once per child).
 */
async function reserveChildBudgets(
  deps: Pick<IntegratorServices, "budgets" | "log">,
  root: AgentRecord,
  children: readonly AgentRecord[],
  defaultShare: number,
): Promise<void> {
  for (const child of children) {
    const reservation = await deps.budgets.reserveForChild(
      root.id,
      child.id,
      child.budgetTokens,
      defaultShare,
    );
    if ("refused" in reservation)
      deps.log.error(
        { agentId: root.id, childId: child.id, refusal: reservation.refused },
        "could not carve a task's budget out of its integrating root's; it keeps its own",
      );
  }
}
