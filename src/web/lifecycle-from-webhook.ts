// Reads GitHub's lifecycle events out of their payloads: a pull request closed, merged or
// reopened, and the app losing an installation or some of its repositories.
import type { Context } from "probot";
import type { InstallationRemoval } from "../runs/forget-installation.ts";
import type { PullRequestChange } from "../runs/pull-request-closed.ts";

export function pullRequestChange(
  context: Context<"pull_request.closed" | "pull_request.reopened">,
): PullRequestChange {
  const { payload } = context;
  const pull = payload.pull_request;
  const closedAt = pull.closed_at === null ? Number.NaN : Date.parse(pull.closed_at);
  return {
    deliveryId: context.id,
    owner: payload.repository.owner.login,
    repo: payload.repository.name,
    number: pull.number,
    headRef: pull.head.ref,
    headInRepository: pull.head.repo?.full_name === payload.repository.full_name,
    merged: pull.merged === true,
    closedAtMs: Number.isFinite(closedAt) ? closedAt : Date.now(),
  };
}

export function installationRemoval(
  context: Context<"installation.deleted" | "installation_repositories.removed">,
): InstallationRemoval {
  const { payload } = context;
  return {
    deliveryId: context.id,
    installationId: payload.installation.id,
    repositories:
      payload.action === "removed"
        ? payload.repositories_removed.map((repository) => repository.full_name)
        : undefined,
  };
}
