// Comments on issues and pull requests: command replies and the one tracking comment per run.
// The tracking comment carries a hidden marker so that it can be found again after a crash.
import type { GitHubClient } from "./github-app.ts";
import type { Repository } from "./pull-requests.ts";
import { drainAnswer, unparsedAnswer } from "./unread-answer.ts";

export async function createIssueComment(
  client: GitHubClient,
  repository: Repository,
  issueNumber: number,
  body: string,
): Promise<{ id: number; url: string }> {
  const { data } = await client.rest.issues.createComment({ ...repository, issue_number: issueNumber, body });
  return { id: data.id, url: data.html_url };
}

export async function updateIssueComment(
  client: GitHubClient,
  repository: Repository,
  commentId: number,
  body: string,
): Promise<void> {
  const { data } = await client.rest.issues.updateComment({
    ...repository,
    comment_id: commentId,
    body,
    ...unparsedAnswer,
  });
  await drainAnswer(data);
}

export async function findIssueCommentWithMarker(
  client: GitHubClient,
  repository: Repository,
  issueNumber: number,
  marker: string,
): Promise<number | undefined> {
  for await (const page of client.paginate.iterator(client.rest.issues.listComments, {
    ...repository,
    issue_number: issueNumber,
    per_page: 100,
  })) {
    const found = page.data.find((comment) => comment.body?.includes(marker) === true);
    if (found !== undefined) return found.id;
  }
  return undefined;
}
