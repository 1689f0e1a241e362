// Plain replies to command comments (help, status, refusals). At most one reply per webhook
// delivery, so a redelivered webhook does not say the same thing twice. The reply is written by
// the reporter like every GitHub write: paced under the installation's limits and retried.
import type { CommandRequest } from "../runs/command-request.ts";
import type { Services } from "../services.ts";

export async function replyOnce(
  deps: Pick<Services, "reporter">,
  request: CommandRequest,
  body: string,
): Promise<void> {
  const quote = request.comment.body.split("\n").find((line) => line.trim().startsWith("/agents")) ?? "";
  const prefix =
    quote === "" ? `@${request.comment.author}` : `> ${quote.trim()}\n\n@${request.comment.author}`;
  await deps.reporter.reply(request.deliveryId, {
    installationId: request.installationId,
    owner: request.owner,
    repo: request.repo,
    issueNumber: request.issueNumber,
    body: `${prefix} ${body}`,
  });
}
