// Writes a command's reply and its 👀 reaction. A reply carries a hidden marker; once a write
// of it has been started, later attempts look for the marker first, so a crash or a lost answer
// right after GitHub created the comment does not post it twice. Reactions are idempotent on
// GitHub (the same reaction twice is answered with the existing one).
import { createIssueComment, findIssueCommentWithMarker } from "../github/issue-comments.ts";
import { addEyesReaction } from "../github/reactions.ts";
import type { Outbox } from "./outbox.ts";
import { noEffect, type PreparedWrite } from "./prepared-write.ts";
import { commentBodyLimit, sizeIn, truncateMarkdown } from "./views/text-limits.ts";

export function replyMarker(deliveryId: string): string {
  return `<!-- flotilla:reply:${deliveryId} -->`;
}

export async function prepareReplyWrite(
  outbox: Outbox,
  deliveryId: string,
): Promise<PreparedWrite | undefined> {
  const reply = await outbox.getReply(deliveryId);
  if (reply === undefined || reply.commentId !== undefined) return undefined;
  const marker = replyMarker(deliveryId);
  const room = {
    max: commentBodyLimit.max - sizeIn(marker, commentBodyLimit.unit) - 1,
    unit: commentBodyLimit.unit,
  };
  const body = `${truncateMarkdown(reply.body, room)}\n${marker}`;
  const repository = { owner: reply.owner, repo: reply.repo };
  return {
    installationId: reply.installationId,
    // Someone is waiting for this answer.
    priority: "final",
    perform: async (client, claim) => {
      if (reply.attempted) {
        const existing = await findIssueCommentWithMarker(client, repository, reply.issueNumber, marker);
        if (existing !== undefined) {
          await outbox.markReplyPosted(deliveryId, existing);
          return noEffect;
        }
      }
      await claim();
      await outbox.markReplyAttempted(deliveryId);
      const created = await createIssueComment(client, repository, reply.issueNumber, body);
      await outbox.markReplyPosted(deliveryId, created.id);
      return noEffect;
    },
  };
}

export async function prepareReactionWrite(
  outbox: Outbox,
  deliveryId: string,
): Promise<PreparedWrite | undefined> {
  const reaction = await outbox.getReaction(deliveryId);
  if (reaction === undefined || reaction.done) return undefined;
  return {
    installationId: reaction.installationId,
    priority: "final",
    perform: async (client, claim) => {
      await claim();
      await addEyesReaction(client, {
        owner: reaction.owner,
        repo: reaction.repo,
        commentId: reaction.commentId,
        kind: reaction.commentKind,
      });
      await outbox.markReactionDone(deliveryId);
      return noEffect;
    },
  };
}
