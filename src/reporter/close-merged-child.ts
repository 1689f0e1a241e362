// Closes a child's pull request whose work its parent merged: the note first (found again by its
// marker, so a retried write never says it twice), then the close, then the record.
import type { GitHubClient } from "../github/github-app.ts";
import { createIssueComment, findIssueCommentWithMarker } from "../github/issue-comments.ts";
import { closePullRequest, type Repository } from "../github/pull-requests.ts";
import type { RunStore } from "../store/run-store.ts";
import type { ClaimWrite } from "./claim-write.ts";
import { mergedChildNoteMarker } from "./views/merged-child-note.ts";

export async function closeMergedChild(
  client: GitHubClient,
  claim: ClaimWrite,
  store: RunStore,
  pull: { repository: Repository; number: number; agentId: string; note: string },
): Promise<void> {
  const marker = mergedChildNoteMarker(pull.agentId);
  if ((await findIssueCommentWithMarker(client, pull.repository, pull.number, marker)) === undefined) {
    await claim();
    await createIssueComment(client, pull.repository, pull.number, pull.note);
  }
  await claim();
  await closePullRequest(client, pull.repository, pull.number);
  await store.updateAgent(pull.agentId, { closedAsMerged: true });
}
