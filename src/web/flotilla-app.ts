// The Probot app: webhook events in, commands dispatched. Handlers only read GitHub, record and
// enqueue; they answer well within GitHub's 10 s delivery timeout and never run an agent. The
// repository's `.github/agents.yml` is read (through `context.config`) only for a command.
import type { Probot } from "probot";
import { handleCheckRunAction } from "./handle-check-run-action.ts";
import { handleCommandRequest, type WebhookServices } from "./handle-command.ts";
import { readRepositoryConfig } from "./read-repository-config.ts";
import { requestFromIssueComment, requestFromReviewComment } from "./request-from-webhook.ts";

export function createFlotillaApp(deps: WebhookServices) {
  return (app: Probot): void => {
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
  };
}
