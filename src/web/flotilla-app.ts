// The Probot app: which webhook events Flotilla acts on (commands, and GitHub's own controls and
// lifecycle: Re-run, a pull request closed, the app uninstalled, handed to runs/), and the handler
// of each. Handlers run
// in the delivery consumer (web/process-delivery.ts), never while GitHub waits for its answer:
// the web process answers once the delivery is stored (web/webhook-intake.ts), and every event
// registered here is stored, so adding an event is one `app.on` line. Handlers are idempotent
// per delivery id: a consumer killed half-way runs the delivery again.
import type { Probot } from "probot";
import { forgetInstallationRuns } from "../runs/forget-installation.ts";
import { pullRequestClosed, pullRequestReopened } from "../runs/pull-request-closed.ts";
import { handleCheckRunAction } from "./handle-check-run-action.ts";
import { handleCommandRequest, type WebhookServices } from "./handle-command.ts";
import { installationRemoval, pullRequestChange } from "./lifecycle-from-webhook.ts";
import { readRepositoryConfig } from "./read-repository-config.ts";
import { requestFromIssueComment, requestFromReviewComment } from "./request-from-webhook.ts";

/** Registers Flotilla's handlers; takes only `on`, so the events can be listed without a Probot. */
export function createFlotillaApp(deps: WebhookServices) {
  return (app: Pick<Probot, "on">): void => {
    app.on("issue_comment.created", async (context) => {
      const request = requestFromIssueComment(context);
      if (request !== undefined)
        await handleCommandRequest(deps, context.octokit, request, () => readRepositoryConfig(context));
    });
    app.on("pull_request_review_comment.created", async (context) => {
      const request = requestFromReviewComment(context);
      if (request !== undefined)
        await handleCommandRequest(deps, context.octokit, request, () => readRepositoryConfig(context));
    });
    app.on("check_run.requested_action", (context) => handleCheckRunAction(deps, context));
    app.on("check_run.rerequested", (context) => handleCheckRunAction(deps, context));
    app.on("pull_request.closed", (context) => pullRequestClosed(deps, pullRequestChange(context)));
    app.on("pull_request.reopened", (context) => pullRequestReopened(deps, pullRequestChange(context)));
    app.on("installation.deleted", (context) => forgetInstallationRuns(deps, installationRemoval(context)));
    app.on("installation_repositories.removed", (context) =>
      forgetInstallationRuns(deps, installationRemoval(context)),
    );
  };
}
