// Plain replies to command comments (help, status, refusals). At most one reply per webhook
// delivery, so a redelivered webhook does not say the same thing twice.

import type { GitHubClient } from "../github/github-app.ts";
import { createIssueComment } from "../github/issue-comments.ts";
import type { CommandRequest } from "./command-request.ts";
import type { WebDependencies } from "./web-dependencies.ts";

export async function replyOnce(
  deps: WebDependencies,
  client: GitHubClient,
  request: CommandRequest,
  body: string,
): Promise<void> {
  const claimed = await deps.store.redis.set(
    deps.store.keys.deliveryReply(request.deliveryId),
    "1",
    "EX",
    7 * 86_400,
    "NX",
  );
  if (claimed === null) return;
  const quote = request.comment.body.split("\n").find((line) => line.trim().startsWith("/agents")) ?? "";
  const prefix =
    quote === "" ? `@${request.comment.author}` : `> ${quote.trim()}\n\n@${request.comment.author}`;
  try {
    await deps.limiter.acquire(request.installationId, "final");
    await createIssueComment(
      client,
      { owner: request.owner, repo: request.repo },
      request.issueNumber,
      `${prefix} ${body}`,
    );
  } catch (error) {
    // Let a redelivery of the webhook try again.
    await deps.store.redis.del(deps.store.keys.deliveryReply(request.deliveryId));
    throw error;
  }
}
