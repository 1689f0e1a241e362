// Issues, their comments and reactions on comments. Comments go only on issues and pull requests
// the test added (404 otherwise, as on GitHub); reactions are accepted on any comment id because
// the comments people type arrive by webhook and are not in the fake.
import { z } from "zod";
import { renderComment, renderIssue, renderReaction } from "../render-records.ts";
import { notFound, ok, pageReply, paginate, parseBody, type Reply, validationFailed } from "../replies.ts";
import type { Route, RouteEnv, RouteRequest } from "../router.ts";
import { inRepository, type ReactionRecord, timestamp } from "../state.ts";

/** GitHub's limit on issue and pull request comment bodies, in characters. */
const maxCommentCharacters = 65_536;

const commentBody = z.object({ body: z.string() });
const reactionBody = z.object({
  content: z.enum(["+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"]),
});

function tooLong(body: string): Reply | undefined {
  if ([...body].length <= maxCommentCharacters) return undefined;
  return validationFailed([
    {
      resource: "IssueComment",
      code: "unprocessable",
      field: "data",
      message: `Body is too long (maximum is ${maxCommentCharacters} characters)`,
    },
  ]);
}

export function issueRoutes({ state, urls }: RouteEnv): Route[] {
  const issueOf = (request: RouteRequest) =>
    state.issue(request.param("owner"), request.param("repo"), Number(request.param("number")));
  const commentOf = (request: RouteRequest) => {
    const comment = state.comments.get(Number(request.param("commentId")));
    return comment && inRepository(comment, request.param("owner"), request.param("repo"))
      ? comment
      : undefined;
  };

  const react = (subject: ReactionRecord["subject"]) => (request: RouteRequest) => {
    const parsed = parseBody(reactionBody, request.body);
    if ("reply" in parsed) return parsed.reply;
    const commentId = Number(request.param("commentId"));
    const known = state.comments.get(commentId);
    if (subject === "issue_comment" && known !== undefined && commentOf(request) === undefined)
      return notFound();
    const user = state.botActor;
    const existing = state.reactions.find(
      (reaction) =>
        reaction.subject === subject &&
        reaction.commentId === commentId &&
        reaction.content === parsed.data.content &&
        reaction.user.login === user.login,
    );
    if (existing) return ok(renderReaction(existing, urls()), 200);
    const reaction: ReactionRecord = {
      id: state.nextId(),
      owner: request.param("owner"),
      repo: request.param("repo"),
      subject,
      commentId,
      content: parsed.data.content,
      user,
      createdAt: timestamp(),
    };
    state.reactions.push(reaction);
    return ok(renderReaction(reaction, urls()), 201);
  };

  return [
    {
      method: "GET",
      pattern: "/repos/:owner/:repo/issues/:number",
      auth: "installation-token",
      handler: (request) => {
        const issue = issueOf(request);
        return issue ? ok(renderIssue(state, issue, urls())) : notFound();
      },
    },
    {
      method: "GET",
      pattern: "/repos/:owner/:repo/issues/:number/comments",
      auth: "installation-token",
      handler: (request) => {
        const issue = issueOf(request);
        if (issue === undefined) return notFound();
        const since = request.query.get("since");
        const comments = [...state.comments.values()]
          .filter(
            (comment) =>
              comment.issueNumber === issue.number && inRepository(comment, issue.owner, issue.repo),
          )
          .filter((comment) => since === null || comment.updatedAt >= since)
          .sort((a, b) => a.id - b.id);
        const page = paginate(
          comments,
          request.query,
          `${urls().api}/repos/${issue.owner}/${issue.repo}/issues/${issue.number}/comments`,
        );
        return pageReply(
          page,
          page.items.map((comment) => renderComment(comment, urls())),
        );
      },
    },
    {
      method: "POST",
      pattern: "/repos/:owner/:repo/issues/:number/comments",
      auth: "installation-token",
      handler: (request) => {
        const issue = issueOf(request);
        if (issue === undefined) return notFound();
        const parsed = parseBody(commentBody, request.body);
        if ("reply" in parsed) return parsed.reply;
        const rejected = tooLong(parsed.data.body);
        if (rejected) return rejected;
        const now = timestamp();
        const comment = {
          id: state.nextId(),
          owner: issue.owner,
          repo: issue.repo,
          issueNumber: issue.number,
          body: parsed.data.body,
          user: state.botActor,
          createdAt: now,
          updatedAt: now,
        };
        state.comments.set(comment.id, comment);
        issue.updatedAt = now;
        return ok(renderComment(comment, urls()), 201);
      },
    },
    {
      method: "PATCH",
      pattern: "/repos/:owner/:repo/issues/comments/:commentId",
      auth: "installation-token",
      handler: (request) => {
        const comment = commentOf(request);
        if (comment === undefined) return notFound();
        const parsed = parseBody(commentBody, request.body);
        if ("reply" in parsed) return parsed.reply;
        const rejected = tooLong(parsed.data.body);
        if (rejected) return rejected;
        comment.body = parsed.data.body;
        comment.updatedAt = timestamp();
        return ok(renderComment(comment, urls()));
      },
    },
    {
      method: "POST",
      pattern: "/repos/:owner/:repo/issues/comments/:commentId/reactions",
      auth: "installation-token",
      handler: react("issue_comment"),
    },
    {
      method: "POST",
      pattern: "/repos/:owner/:repo/pulls/comments/:commentId/reactions",
      auth: "installation-token",
      handler: react("pull_request_review_comment"),
    },
  ];
}
