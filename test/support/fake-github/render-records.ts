// Issues, pull requests, comments, reactions and check runs as GitHub's REST API returns them,
// typed against @octokit/openapi-types so a missing or misnamed field fails type-checking.
import type { components } from "@octokit/openapi-types";
import { actorId, renderApp, renderRepository, renderUser, type Urls } from "./render-common.ts";
import {
  type CheckRunRecord,
  type CommentRecord,
  type FakeState,
  type IssueRecord,
  inRepository,
  type ReactionRecord,
} from "./state.ts";

type Schemas = components["schemas"];

export function renderIssue(state: FakeState, issue: IssueRecord, urls: Urls): Schemas["issue"] {
  const repoApi = `${urls.api}/repos/${issue.owner}/${issue.repo}`;
  const api = `${repoApi}/issues/${issue.number}`;
  const html = `${urls.web}/${issue.owner}/${issue.repo}`;
  return {
    id: issue.id,
    node_id: Buffer.from(`05:Issue${issue.id}`).toString("base64"),
    url: api,
    repository_url: repoApi,
    labels_url: `${api}/labels{/name}`,
    comments_url: `${api}/comments`,
    events_url: `${api}/events`,
    html_url: `${html}/${issue.pull ? "pull" : "issues"}/${issue.number}`,
    number: issue.number,
    state: issue.state,
    title: issue.title,
    body: issue.body,
    user: renderUser(issue.user, urls),
    labels: [],
    assignee: null,
    assignees: [],
    milestone: null,
    locked: issue.locked,
    active_lock_reason: issue.locked ? "resolved" : null,
    comments: commentsOn(state, issue).length,
    ...(issue.pull
      ? {
          pull_request: {
            merged_at: null,
            diff_url: `${html}/pull/${issue.number}.diff`,
            html_url: `${html}/pull/${issue.number}`,
            patch_url: `${html}/pull/${issue.number}.patch`,
            url: `${repoApi}/pulls/${issue.number}`,
          },
          draft: issue.pull.draft,
        }
      : {}),
    closed_at: issue.closedAt,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    author_association: issue.user.type === "Bot" ? "NONE" : "COLLABORATOR",
    timeline_url: `${api}/timeline`,
  };
}

export function renderPullRequest(state: FakeState, issue: IssueRecord, urls: Urls): Schemas["pull-request"] {
  const pull = issue.pull;
  if (pull === undefined) throw new Error(`#${issue.number} is an issue, not a pull request`);
  const baseRepo = state.repo(issue.owner, issue.repo);
  const headRepo = state.repo(pull.head.owner, pull.head.repo);
  const repoApi = `${urls.api}/repos/${issue.owner}/${issue.repo}`;
  const api = `${repoApi}/pulls/${issue.number}`;
  const html = `${urls.web}/${issue.owner}/${issue.repo}/pull/${issue.number}`;
  const link = (href: string) => ({ href });
  return {
    url: api,
    id: issue.id,
    node_id: Buffer.from(`011:PullRequest${issue.id}`).toString("base64"),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: `${repoApi}/issues/${issue.number}`,
    commits_url: `${api}/commits`,
    review_comments_url: `${api}/comments`,
    review_comment_url: `${repoApi}/pulls/comments{/number}`,
    comments_url: `${repoApi}/issues/${issue.number}/comments`,
    statuses_url: `${repoApi}/statuses/${pull.head.sha}`,
    number: issue.number,
    state: issue.state,
    locked: issue.locked,
    title: issue.title,
    user: renderUser(issue.user, urls),
    body: issue.body,
    labels: [],
    milestone: null,
    active_lock_reason: issue.locked ? "resolved" : null,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    closed_at: issue.closedAt,
    merged_at: pull.mergedAt ?? null,
    merge_commit_sha: null,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: {
      label: `${pull.head.owner}:${pull.head.ref}`,
      ref: pull.head.ref,
      repo: renderRepository(headRepo, urls),
      sha: pull.head.sha,
      user: renderUser({ login: pull.head.owner, type: "User" }, urls),
    },
    base: {
      label: `${issue.owner}:${pull.base.ref}`,
      ref: pull.base.ref,
      repo: renderRepository(baseRepo, urls),
      sha: pull.base.sha,
      user: renderUser({ login: issue.owner, type: "User" }, urls),
    },
    _links: {
      comments: link(`${repoApi}/issues/${issue.number}/comments`),
      commits: link(`${api}/commits`),
      statuses: link(`${repoApi}/statuses/${pull.head.sha}`),
      html: link(html),
      issue: link(`${repoApi}/issues/${issue.number}`),
      review_comments: link(`${api}/comments`),
      review_comment: link(`${repoApi}/pulls/comments{/number}`),
      self: link(api),
    },
    author_association: issue.user.type === "Bot" ? "NONE" : "COLLABORATOR",
    auto_merge: null,
    draft: pull.draft,
    merged: pull.mergedAt !== undefined,
    mergeable: null,
    rebaseable: null,
    mergeable_state: "unknown",
    merged_by: null,
    comments: commentsOn(state, issue).length,
    review_comments: 0,
    maintainer_can_modify: pull.maintainerCanModify,
    commits: 1,
    additions: 0,
    deletions: 0,
    changed_files: 0,
  };
}

export function renderComment(comment: CommentRecord, urls: Urls): Schemas["issue-comment"] {
  const repoApi = `${urls.api}/repos/${comment.owner}/${comment.repo}`;
  return {
    id: comment.id,
    node_id: Buffer.from(`012:IssueComment${comment.id}`).toString("base64"),
    url: `${repoApi}/issues/comments/${comment.id}`,
    body: comment.body,
    html_url: `${urls.web}/${comment.owner}/${comment.repo}/issues/${comment.issueNumber}#issuecomment-${comment.id}`,
    user: renderUser(comment.user, urls),
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    issue_url: `${repoApi}/issues/${comment.issueNumber}`,
    author_association: comment.user.type === "Bot" ? "NONE" : "COLLABORATOR",
  };
}

export function renderReaction(reaction: ReactionRecord, urls: Urls): Schemas["reaction"] {
  return {
    id: reaction.id,
    node_id: Buffer.from(`08:Reaction${reaction.id}`).toString("base64"),
    user: renderUser(reaction.user, urls),
    content: reaction.content,
    created_at: reaction.createdAt,
  };
}

export function renderCheckRun(state: FakeState, run: CheckRunRecord, urls: Urls): Schemas["check-run"] {
  const repoApi = `${urls.api}/repos/${run.owner}/${run.repo}`;
  const openPulls = state
    .issuesOf(run.owner, run.repo)
    .filter((issue) => issue.state === "open" && issue.pull?.head.sha === run.headSha);
  const repoRef = (owner: string, name: string) => ({
    id: state.repo(owner, name).id,
    url: `${urls.api}/repos/${owner}/${name}`,
    name,
  });
  return {
    id: run.id,
    head_sha: run.headSha,
    node_id: Buffer.from(`08:CheckRun${run.id}`).toString("base64"),
    external_id: run.externalId,
    url: `${repoApi}/check-runs/${run.id}`,
    html_url: `${urls.web}/${run.owner}/${run.repo}/runs/${run.id}`,
    details_url: run.detailsUrl,
    status: run.status,
    conclusion: run.conclusion,
    started_at: run.startedAt,
    completed_at: run.completedAt,
    output: {
      title: run.output.title,
      summary: run.output.summary,
      text: run.output.text,
      annotations_count: run.output.annotationsCount,
      annotations_url: `${repoApi}/check-runs/${run.id}/annotations`,
    },
    name: run.name,
    check_suite: { id: actorId(`${run.owner}/${run.repo}@${run.headSha}`) },
    app: renderApp(state.app, urls),
    pull_requests: openPulls.flatMap(({ id, number, pull }) =>
      pull === undefined
        ? []
        : [
            {
              id,
              number,
              url: `${repoApi}/pulls/${number}`,
              head: {
                ref: pull.head.ref,
                sha: pull.head.sha,
                repo: repoRef(pull.head.owner, pull.head.repo),
              },
              base: { ref: pull.base.ref, sha: pull.base.sha, repo: repoRef(run.owner, run.repo) },
            },
          ],
    ),
  };
}

function commentsOn(state: FakeState, issue: IssueRecord): CommentRecord[] {
  return [...state.comments.values()].filter(
    (comment) => comment.issueNumber === issue.number && inRepository(comment, issue.owner, issue.repo),
  );
}
