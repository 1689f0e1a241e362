// The buttons on an agent's check run (Cancel, Retry, Continue) arrive as
// `check_run.requested_action`. The clicker's permission is checked like a commenter's (with the
// repository's minimum permission from `.github/agents.yml`); the agent is the check run's
// external_id.
import type { Context } from "probot";
import { resolveRunSettings } from "../config/run-limits.ts";
import { getPermissionLevel, meetsPermission } from "../github/permissions.ts";
import { actionIdentifiers } from "../reporter/views/check-run-view.ts";
import { cancelAgents } from "../runs/cancel-agents.ts";
import { continueAgent, retryAgent } from "../runs/restart-agent.ts";
import type { WebhookServices } from "./handle-command.ts";
import { readRepositoryConfig } from "./read-repository-config.ts";

export async function handleCheckRunAction(
  deps: WebhookServices,
  context: Context<"check_run.requested_action">,
): Promise<void> {
  const { payload } = context;
  const agentId = payload.check_run.external_id ?? "";
  const identifier = payload.requested_action?.identifier ?? "";
  let log = deps.log.child({ deliveryId: context.id, agentId, identifier });
  if (payload.sender.type === "Bot") return;
  const agent = await deps.store.getAgent(agentId);
  if (agent === undefined) {
    log.info("button for an agent Flotilla does not know; ignored");
    return;
  }
  const run = await deps.store.requireRun(agent.runId);
  log = log.child({ runId: run.id });
  if (run.owner !== payload.repository.owner.login || run.repo !== payload.repository.name) {
    log.warn("button from another repository than the agent's; ignored");
    return;
  }
  const loaded = await readRepositoryConfig(context);
  if (!loaded.ok) {
    log.info({ problems: loaded.problems }, "button refused: the repository's agents.yml is invalid");
    await deps.store.updateAgent(agent.id, {
      currentStep: `${identifier} refused: .github/agents.yml is invalid (${loaded.problems.map((problem) => problem.key || "the file").join(", ")})`,
    });
    await deps.reporter.changed([{ kind: "check", agentId: agent.id }]);
    return;
  }
  const { minimumPermission, maxBudgetTokens } = resolveRunSettings(deps.config, loaded.config);
  const permission = await getPermissionLevel(
    context.octokit,
    { owner: run.owner, repo: run.repo },
    payload.sender.login,
  );
  if (!meetsPermission(permission, minimumPermission)) {
    log.info({ user: payload.sender.login, permission }, "button refused: not allowed to control agents");
    return;
  }
  const result =
    identifier === actionIdentifiers.cancel
      ? { ok: (await cancelAgents(deps, [agent])).length > 0, message: "cancel requested" }
      : identifier === actionIdentifiers.retry
        ? await retryAgent(deps, agent)
        : identifier === actionIdentifiers.continue
          ? await continueAgent(deps, agent, undefined, maxBudgetTokens)
          : { ok: false, message: `unknown button "${identifier}"` };
  log.info({ ok: result.ok, outcome: result.message }, "check run button handled");
  if (!result.ok) {
    await deps.store.updateAgent(agent.id, { currentStep: `${identifier}: ${result.message}` });
    await deps.reporter.changed([{ kind: "check", agentId: agent.id }]);
  }
}
