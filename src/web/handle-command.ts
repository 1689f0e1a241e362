// From a command comment to what it asks: ignore bots, answer bad commands with the right usage,
// refuse people without the required permission, then dispatch the verb.

import { formatProblemReply } from "../commands/format-problem.ts";
import { helpText } from "../commands/help-text.ts";
import { parseComment } from "../commands/parse-comment.ts";
import type { GitHubClient } from "../github/github-app.ts";
import { getPermissionLevel, meetsPermission } from "../github/permissions.ts";
import { runControlCommand } from "./agent-commands.ts";
import type { CommandRequest } from "./command-request.ts";
import { replyOnce } from "./reply.ts";
import { startRun } from "./start-run.ts";
import { statusReply } from "./status-reply.ts";
import type { WebDependencies } from "./web-dependencies.ts";

export async function handleCommandRequest(
  deps: WebDependencies,
  client: GitHubClient,
  request: CommandRequest,
): Promise<void> {
  if (request.comment.authorIsBot) return;
  const parsed = parseComment(request.comment.body);
  if (parsed.kind === "none") return;
  const log = deps.log.child({ deliveryId: request.deliveryId, issue: request.issueNumber });
  if (parsed.kind === "invalid") {
    log.info({ problem: parsed.error.problem }, "invalid /agents command");
    await replyOnce(deps, request, formatProblemReply(parsed.error));
    return;
  }
  const repository = { owner: request.owner, repo: request.repo };
  const required = deps.config.minimumPermission;
  const permission = await getPermissionLevel(client, repository, request.comment.author);
  if (!meetsPermission(permission, required)) {
    log.info({ user: request.comment.author, permission }, "refused: not allowed to run agents");
    await replyOnce(
      deps,
      request,
      `only people with **${required}** access to ${request.owner}/${request.repo} can use \`/agents\` here, and your access is **${permission}**. Ask a maintainer to run the command, or to give you ${required} access.`,
    );
    return;
  }
  const { command } = parsed;
  switch (command.verb) {
    case "run":
      await startRun(deps, client, request, command);
      return;
    case "help":
      await replyOnce(deps, request, `here is what Flotilla understands:\n\n${helpText()}`);
      return;
    case "status":
      await replyOnce(deps, request, await statusReply(deps.store, request));
      return;
    case "cancel":
    case "retry":
    case "continue":
      await replyOnce(deps, request, await runControlCommand(deps, request, command));
      return;
  }
}
