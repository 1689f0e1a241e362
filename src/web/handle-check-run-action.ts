// GitHub's check run controls on an agent's check run: its buttons (Cancel, Retry, Continue) as
// `check_run.requested_action`, and GitHub's own "Re-run" link as `check_run.rerequested`. The
// payload is read here; what happens is runs/control-from-check-run.ts.
import type { Context } from "probot";
import { controlFromCheckRun, rerunControl } from "../runs/control-from-check-run.ts";
import type { WebhookServices } from "./handle-command.ts";
import { readRepositoryConfig } from "./read-repository-config.ts";

export async function handleCheckRunAction(
  deps: WebhookServices,
  context: Context<"check_run.requested_action" | "check_run.rerequested">,
): Promise<void> {
  const { payload } = context;
  await controlFromCheckRun(deps, context.octokit, {
    deliveryId: context.id,
    agentId: payload.check_run.external_id ?? "",
    control: payload.action === "rerequested" ? rerunControl : (payload.requested_action?.identifier ?? ""),
    sender: { login: payload.sender.login, isBot: payload.sender.type === "Bot" },
    repository: { owner: payload.repository.owner.login, repo: payload.repository.name },
    loadConfig: () => readRepositoryConfig(context),
  });
}
