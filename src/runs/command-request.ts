// A command comment reduced to what Flotilla needs to act on it, whichever webhook it came in
// (web/request-from-webhook.ts reads it out of the payloads): where it was written, by whom,
// and for a review comment, the file, line and diff hunk it points at.
import type { CommentKind } from "../github/reactions.ts";

export interface CommandRequest {
  deliveryId: string;
  installationId: number;
  owner: string;
  repo: string;
  cloneUrl: string;
  defaultBranch: string;
  issueNumber: number;
  isPullRequest: boolean;
  issueLocked: boolean;
  issueState: string;
  comment: {
    id: number;
    kind: CommentKind;
    url: string;
    body: string;
    author: string;
    authorIsBot: boolean;
  };
  /** Where a review comment points: its file, line and diff hunk. */
  reviewLocation?: { path: string; line: number | undefined; diffHunk: string } | undefined;
}
