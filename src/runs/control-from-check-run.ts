// What GitHub's own check run controls ask of an agent: the buttons Flotilla puts on its check
// runs (Cancel, Retry, Continue: `check_run.requested_action`) and the "Re-run" link GitHub shows
// on every completed check run (`check_run.rerequested`). The agent is the check run's
// external_id; the clicker needs the permission a commenter needs (the repository's minimum from
// `.github/agents.yml`). Re-run retries the agent under a new check run, or continues it with
// more budget when it ran out (a fresh session with the same budget would only run out again).
import type { RepositoryConfigResult } from "../config/repository-config.ts";
import { resolveRunSettings } from "../config/run-limits.ts";
import type { GitHubClient } from "../github/github-app.ts";
import { getPermissionLevel, meetsPermission } from "../github/permissions.ts";
import { actionIdentifiers } from "../reporter/views/check-run-view.ts";
import type { Services } from "../services.ts";
import type { AgentRecord } from "../store/records.ts";
import { cancelAgents } from "./cancel-agents.ts";
import { type ActionResult, continueAgent, retryAgent } from "./restart-agent.ts";

/** A button's identifier, or "rerun" for GitHub's Re-run link. */
type CheckRunControl = string;
export const rerunControl = "rerun";

export interface CheckRunControlRequest {
  deliveryId: string;
  /** The check run's external_id. */
  agentId: string;
  control: CheckRunControl;
  sender: { login: string; isBot: boolean };
  repository: { owner: string; repo: string };
  loadConfig: () => Promise<RepositoryConfigResult>;
}

export async function controlFromCheckRun(
  deps: Pick<Services, "config" | "store" | "budgets" | "queue" | "reporter" | "log">,
  client: GitHubClient,
  request: CheckRunControlRequest,
): Promise<void> {
  const { agentId, control } = request;
  let log = deps.log.child({ deliveryId: request.deliveryId, agentId, control });
  if (request.sender.isBot) return;
  const agent = await deps.store.getAgent(agentId);
  if (agent === undefined) {
    log.info("check run control for an agent Flotilla does not know; ignored");
    return;
  }
  const run = await deps.store.requireRun(agent.runId);
  log = log.child({ runId: run.id });
  if (run.owner !== request.repository.owner || run.repo !== request.repository.repo) {
    log.warn("check run control from another repository than the agent's; ignored");
    return;
  }
  const showOnCheckRun = async (step: string) => {
    await deps.store.updateAgent(agent.id, { currentStep: step });
    await deps.reporter.changed([{ kind: "check", agentId: agent.id }]);
  };
  const loaded = await request.loadConfig();
  if (!loaded.ok) {
    log.info(
      { problems: loaded.problems },
      "check run control refused: the repository's agents.yml is invalid",
    );
    await showOnCheckRun(
      `${control} refused: .github/agents.yml is invalid (${loaded.problems.map((problem) => problem.key || "the file").join(", ")})`,
    );
    return;
  }
  const { minimumPermission, maxBudgetTokens } = resolveRunSettings(deps.config, loaded.config);
  const permission = await getPermissionLevel(client, request.repository, request.sender.login);
  if (!meetsPermission(permission, minimumPermission)) {
    log.info(
      { user: request.sender.login, permission },
      "check run control refused: not allowed to control agents",
    );
    return;
  }
  const result = await perform(deps, agent, control, maxBudgetTokens);
  log.info({ ok: result.ok, outcome: result.message }, "check run control handled");
  if (!result.ok) await showOnCheckRun(`${control}: ${result.message}`);
}

async function perform(
  deps: Pick<Services, "store" | "budgets" | "queue" | "reporter" | "log">,
  agent: AgentRecord,
  control: CheckRunControl,
  maxBudgetTokens: number,
): Promise<ActionResult> {
  switch (control) {
    case actionIdentifiers.cancel:
      return { ok: (await cancelAgents(deps, [agent])).length > 0, message: "cancel requested" };
    case actionIdentifiers.retry:
      return retryAgent(deps, agent);
    case actionIdentifiers.continue:
      return continueAgent(deps, agent, undefined, maxBudgetTokens);
    case rerunControl:
      return agent.state === "out_of_budget"
        ? continueAgent(deps, agent, undefined, maxBudgetTokens)
        : retryAgent(deps, agent);
    default:
      return { ok: false, message: `unknown button "${control}"` };
  }
}
