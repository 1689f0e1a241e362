// From a command comment to what it asks: ignore bots, check the commenter's permission before
// writing anything, answer bad commands with the right usage, refuse on a broken
// `.github/agents.yml`, a locked conversation or a closed pull request (each person gets a few
// refusals an hour, see runs/refusal-replies.ts), then dispatch the verb.

import { formatProblemReply } from "../commands/format-problem.ts";
import { helpText } from "../commands/help-text.ts";
import { parseComment } from "../commands/parse-comment.ts";
import { formatConfigProblems } from "../config/config-problems.ts";
import { resolveRunSettings } from "../config/run-limits.ts";
import type { GitHubClient } from "../github/github-app.ts";
import { getPermissionLevel, meetsPermission } from "../github/permissions.ts";
import type { CommandRequest } from "../runs/command-request.ts";
import { runControlCommand } from "../runs/control-agents.ts";
import { mayReplyWithRefusal } from "../runs/refusal-replies.ts";
import { readRunOrigin, startRun } from "../runs/start-run.ts";
import { statusReply } from "../runs/status-reply.ts";
import type { Services } from "../services.ts";
import type { LoadRepositoryConfig } from "./read-repository-config.ts";
import { replyOnce } from "./reply.ts";

/** What the webhook handlers use: nothing of a worker, since the web process runs no agent. */
export type WebhookServices = Pick<Services, "config" | "store" | "budgets" | "queue" | "reporter" | "log">;

export async function handleCommandRequest(
  deps: WebhookServices,
  client: GitHubClient,
  request: CommandRequest,
  loadConfig: LoadRepositoryConfig,
): Promise<void> {
  if (request.comment.authorIsBot) return;
  const parsed = parseComment(request.comment.body);
  if (parsed.kind === "none") return;
  const log = deps.log.child({ deliveryId: request.deliveryId, issue: request.issueNumber });
  const reply = (body: string) => replyOnce(deps, request, body);
  // A refusal is written only within the person's allowance, so a flood costs a few writes.
  const refuse = async (body: string) => {
    if (await mayReplyWithRefusal(deps.store, request.installationId, request.comment.author))
      await reply(body);
    else
      log.info(
        { user: request.comment.author },
        "refusal not written: this person had their refusals for now",
      );
  };
  const repository = { owner: request.owner, repo: request.repo };
  // GitHub's answers are read together (reads only; nothing is written before the permission
  // check): the configuration, the commenter's permission and, for a run, where it starts.
  const origin =
    parsed.kind === "command" && parsed.command.verb === "run" ? readRunOrigin(client, request) : undefined;
  // Not awaited on a refusal: its failure then matters to no one.
  origin?.catch(() => undefined);
  const [loaded, permission] = await Promise.all([
    loadConfig(),
    getPermissionLevel(client, repository, request.comment.author),
  ]);
  // The permission check comes before any reply: someone without it gets only the refusal. With an
  // unusable agents.yml, the operator's MIN_PERMISSION decides who is told what is wrong with it.
  const required = loaded.ok
    ? resolveRunSettings(deps.config, loaded.config).minimumPermission
    : deps.config.minimumPermission;
  if (!meetsPermission(permission, required)) {
    log.info({ user: request.comment.author, permission }, "refused: not allowed to run agents");
    await refuse(
      `only people with **${required}** access to ${request.owner}/${request.repo} can use \`/agents\` here, and your access is **${permission}**. Ask a maintainer to run the command, or to give you ${required} access.`,
    );
    return;
  }
  if (parsed.kind === "invalid") {
    log.info({ problem: parsed.error.problem }, "invalid /agents command");
    await refuse(formatProblemReply(parsed.error));
    return;
  }
  if (!loaded.ok) {
    log.info({ problems: loaded.problems }, "refused: the repository's agents.yml is invalid");
    await refuse(formatConfigProblems(loaded.problems));
    return;
  }
  const settings = resolveRunSettings(deps.config, loaded.config);
  const { command } = parsed;
  const where = request.isPullRequest ? "pull request" : "issue";
  if (request.issueLocked) {
    log.info("refused: the conversation is locked");
    await refuse(
      `this ${where} is locked, so Flotilla does not act on commands here. Unlock it, or send the command in an open conversation.`,
    );
    return;
  }
  const startsWork = command.verb === "run" || command.verb === "retry" || command.verb === "continue";
  if (startsWork && request.isPullRequest && request.issueState === "closed") {
    log.info("refused: the pull request is closed");
    await refuse(
      "this pull request is closed, so Flotilla starts no agents on it. Reopen it first, or start the agents from an issue or an open pull request.",
    );
    return;
  }
  switch (command.verb) {
    case "run": {
      const refusal = await startRun(deps, client, request, command, settings, origin);
      if (refusal !== undefined) await refuse(refusal);
      return;
    }
    case "help":
      await reply(`here is what Flotilla understands:\n\n${helpText()}`);
      return;
    case "status":
      await reply(await statusReply(deps.store, request));
      return;
    case "cancel":
    case "retry":
    case "continue":
      await reply(await runControlCommand(deps, request, command, settings.maxBudgetTokens));
      return;
  }
}
