import type { GitHubClient } from "./github-app.ts";

export type CommentKind = "issue" | "review";

/** Acknowledges a command comment at once (👀), before any work starts. */
export async function addEyesReaction(
  client: GitHubClient,
  comment: { owner: string; repo: string; commentId: number; kind: CommentKind },
): Promise<void> {
  const target = {
    owner: comment.owner,
    repo: comment.repo,
    comment_id: comment.commentId,
    content: "eyes" as const,
  };
  if (comment.kind === "review") await client.rest.reactions.createForPullRequestReviewComment(target);
  else await client.rest.reactions.createForIssueComment(target);
}
