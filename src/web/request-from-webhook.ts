// Reads a command comment out of whichever webhook it came in: an issue or pull request
// conversation comment, or a pull request review comment (with its file and hunk).
import type { Context } from "probot";
import type { CommentKind } from "../github/reactions.ts";
import type { CommandRequest } from "../runs/command-request.ts";

/** What issue comments and review comments have in common, as webhook payloads. */
interface CommentPayload {
  installation?: { id: number } | undefined;
  repository: { owner: { login: string }; name: string; clone_url: string; default_branch: string };
  comment: { id: number; html_url: string; body: string; user: { login: string; type?: string } | null };
  sender: { type?: string };
}

type SharedFields = Omit<CommandRequest, "issueNumber" | "isPullRequest" | "issueLocked" | "issueState">;

function sharedFields(
  deliveryId: string,
  payload: CommentPayload,
  kind: CommentKind,
): SharedFields | undefined {
  if (payload.installation === undefined) return undefined;
  return {
    deliveryId,
    installationId: payload.installation.id,
    owner: payload.repository.owner.login,
    repo: payload.repository.name,
    cloneUrl: payload.repository.clone_url,
    defaultBranch: payload.repository.default_branch,
    comment: {
      id: payload.comment.id,
      kind,
      url: payload.comment.html_url,
      body: payload.comment.body,
      author: payload.comment.user?.login ?? "ghost",
      authorIsBot: payload.comment.user?.type === "Bot" || payload.sender.type === "Bot",
    },
  };
}

export function requestFromIssueComment(
  context: Context<"issue_comment.created">,
): CommandRequest | undefined {
  const { payload } = context;
  const shared = sharedFields(context.id, payload, "issue");
  if (shared === undefined) return undefined;
  return {
    ...shared,
    issueNumber: payload.issue.number,
    isPullRequest: payload.issue.pull_request !== undefined && payload.issue.pull_request !== null,
    issueLocked: payload.issue.locked === true,
    issueState: payload.issue.state ?? "open",
  };
}

export function requestFromReviewComment(
  context: Context<"pull_request_review_comment.created">,
): CommandRequest | undefined {
  const { payload } = context;
  const shared = sharedFields(context.id, payload, "review");
  if (shared === undefined) return undefined;
  return {
    ...shared,
    issueNumber: payload.pull_request.number,
    isPullRequest: true,
    issueLocked: payload.pull_request.locked === true,
    issueState: payload.pull_request.state,
    reviewLocation: {
      path: payload.comment.path,
      line: payload.comment.line ?? undefined,
      diffHunk: payload.comment.diff_hunk,
    },
  };
}
