// Webhook deliveries built from GitHub's real example payloads (@octokit/webhooks-examples),
// adapted to a test's repository, installation and comment, then signed and POSTed like GitHub
// does. Each builder starts from one real example and changes only the fields listed in it.
import { randomUUID } from "node:crypto";
import type { components } from "@octokit/openapi-webhooks-types";
import {
  adaptedExample,
  adaptRepository,
  asAuthor,
  type CommentAuthor,
  nextCommentId,
  type RepositoryTarget,
  realExample,
} from "./webhooks/real-example.ts";

export { postWebhook, signWebhook } from "./webhooks/deliver.ts";

type Webhooks = components["schemas"];
export type IssueCommentCreatedPayload = Webhooks["webhook-issue-comment-created"];
export type PullRequestReviewCommentCreatedPayload = Webhooks["webhook-pull-request-review-comment-created"];
export type CheckRunRequestedActionPayload = Webhooks["webhook-check-run-requested-action"];

export interface Delivery<TName extends string, TPayload> {
  /** The `X-GitHub-Delivery` id (a fresh UUID). */
  id: string;
  name: TName;
  payload: TPayload;
}

export interface IssueCommentOptions extends RepositoryTarget, CommentAuthor {
  issueNumber: number;
  /** Adds `issue.pull_request`: the comment is on a pull request's conversation. */
  isPullRequest: boolean;
  body: string;
  /** @defaultValue a fresh id */
  commentId?: number;
  /** @defaultValue false */
  locked?: boolean;
  /** @defaultValue "open" */
  state?: "open" | "closed";
}

export interface ReviewCommentOptions extends RepositoryTarget, CommentAuthor {
  pullNumber: number;
  body: string;
  path: string;
  line: number;
  diffHunk: string;
  headRef: string;
  headSha: string;
  /** @defaultValue the default branch */
  baseRef?: string;
  /** @defaultValue the example's base sha */
  baseSha?: string;
  commentId?: number;
  locked?: boolean;
}

export interface RequestedActionOptions extends RepositoryTarget, CommentAuthor {
  checkRunId: number;
  externalId: string;
  /** The `identifier` of the clicked button (`requested_action.identifier`). */
  identifier: string;
  headSha: string;
  /** @defaultValue the example's check name */
  checkName?: string;
}

/**
 * `issue_comment.created` from the real example, with: `installation.id`; the repository's
 * owner/name/full_name/clone_url/default_branch; `issue.number`, `state`, `locked` and
 * `pull_request` (only when `isPullRequest`); the comment's id, body and author (`login`, `type`);
 * `sender` = the comment's author.
 */
export function issueCommentCreated(
  options: IssueCommentOptions,
): Delivery<"issue_comment", IssueCommentCreatedPayload> {
  const base = adaptedExample<IssueCommentCreatedPayload>("issue_comment", "created", options);
  const { pull_request: _examplePullRequest, ...issue } = base.issue;
  const htmlRepo = base.repository.html_url;
  const apiRepo = base.repository.url;
  const commentId = options.commentId ?? nextCommentId();
  const kind = options.isPullRequest ? "pull" : "issues";
  const author = asAuthor(base.comment.user, options);
  return {
    id: randomUUID(),
    name: "issue_comment",
    payload: {
      ...base,
      installation: {
        ...base.installation,
        id: options.installationId,
        node_id: `inst-${options.installationId}`,
      },
      repository: adaptRepository(base.repository, options),
      issue: {
        ...issue,
        number: options.issueNumber,
        state: options.state ?? "open",
        locked: options.locked ?? false,
        active_lock_reason: options.locked ? "resolved" : null,
        url: `${apiRepo}/issues/${options.issueNumber}`,
        html_url: `${htmlRepo}/${kind}/${options.issueNumber}`,
        ...(options.isPullRequest
          ? {
              pull_request: {
                url: `${apiRepo}/pulls/${options.issueNumber}`,
                html_url: `${htmlRepo}/pull/${options.issueNumber}`,
                diff_url: `${htmlRepo}/pull/${options.issueNumber}.diff`,
                patch_url: `${htmlRepo}/pull/${options.issueNumber}.patch`,
                merged_at: null,
              },
            }
          : {}),
      },
      comment: {
        ...base.comment,
        id: commentId,
        body: options.body,
        user: author,
        url: `${apiRepo}/issues/comments/${commentId}`,
        html_url: `${htmlRepo}/${kind}/${options.issueNumber}#issuecomment-${commentId}`,
        issue_url: `${apiRepo}/issues/${options.issueNumber}`,
      },
      sender: asAuthor(base.sender, options),
    },
  };
}

/**
 * `pull_request_review_comment.created` from the real example, with: `installation.id`; the
 * repository (as above, also as `head.repo`/`base.repo`); `pull_request.number`, `locked`, head
 * ref/sha, base ref/sha; the comment's id, body, author, `path`, `line`, `diff_hunk` and
 * `commit_id` = head sha; `sender` = the comment's author.
 */
export function pullRequestReviewCommentCreated(
  options: ReviewCommentOptions,
): Delivery<"pull_request_review_comment", PullRequestReviewCommentCreatedPayload> {
  const base = adaptedExample<PullRequestReviewCommentCreatedPayload>(
    "pull_request_review_comment",
    "created",
    options,
  );
  const repository = adaptRepository(base.repository, options);
  const apiRepo = base.repository.url;
  const commentId = options.commentId ?? nextCommentId();
  const pull = base.pull_request;
  const baseRef = options.baseRef ?? options.defaultBranch ?? "main";
  return {
    id: randomUUID(),
    name: "pull_request_review_comment",
    payload: {
      ...base,
      installation: {
        ...base.installation,
        id: options.installationId,
        node_id: `inst-${options.installationId}`,
      },
      repository,
      pull_request: {
        ...pull,
        number: options.pullNumber,
        url: `${apiRepo}/pulls/${options.pullNumber}`,
        locked: options.locked ?? false,
        head: {
          ...pull.head,
          label: `${options.owner}:${options.headRef}`,
          ref: options.headRef,
          sha: options.headSha,
          repo: pull.head.repo === null ? null : adaptRepository(pull.head.repo, options),
        },
        base: {
          ...pull.base,
          label: `${options.owner}:${baseRef}`,
          ref: baseRef,
          sha: options.baseSha ?? pull.base.sha,
          repo: adaptRepository(pull.base.repo, options),
        },
      },
      comment: {
        ...base.comment,
        id: commentId,
        body: options.body,
        user: asAuthor(base.comment.user, options),
        path: options.path,
        line: options.line,
        original_line: options.line,
        diff_hunk: options.diffHunk,
        commit_id: options.headSha,
        original_commit_id: options.headSha,
        url: `${apiRepo}/pulls/comments/${commentId}`,
        pull_request_url: `${apiRepo}/pulls/${options.pullNumber}`,
      },
      sender: asAuthor(base.sender, options),
    },
  };
}

/**
 * `check_run.requested_action` from the real example, with: `installation.id`; the repository;
 * the check run's id, external_id, head_sha (also in its check suite) and optionally name;
 * `requested_action.identifier`; `sender` = the person who clicked.
 */
export function checkRunRequestedAction(
  options: RequestedActionOptions,
): Delivery<"check_run", CheckRunRequestedActionPayload> {
  const delivery = checkRunDelivery<CheckRunRequestedActionPayload>("requested_action", options);
  return {
    ...delivery,
    payload: { ...delivery.payload, requested_action: { identifier: options.identifier } },
  };
}

/** A check_run example of `action` moved to the options' repository, check run and sender. */
function checkRunDelivery<T extends CheckRunRequestedActionPayload | CheckRunRerequestedPayload>(
  action: T["action"],
  options: RerequestedOptions,
): Delivery<"check_run", T> {
  const base = adaptedExample<T>("check_run", action, options);
  const checkRun = base.check_run;
  return {
    id: randomUUID(),
    name: "check_run",
    payload: {
      ...base,
      installation: {
        ...base.installation,
        id: options.installationId,
        node_id: `inst-${options.installationId}`,
      },
      repository: adaptRepository(base.repository, options),
      check_run: {
        ...checkRun,
        id: options.checkRunId,
        external_id: options.externalId,
        head_sha: options.headSha,
        name: options.checkName ?? checkRun.name,
        url: `${base.repository.url}/check-runs/${options.checkRunId}`,
        check_suite: { ...checkRun.check_suite, head_sha: options.headSha },
      },
      sender: asAuthor(base.sender, options),
    },
  };
}

export type CheckRunRerequestedPayload = Webhooks["webhook-check-run-rerequested"];
export type PullRequestClosedPayload = Webhooks["webhook-pull-request-closed"];
export type PullRequestReopenedPayload = Webhooks["webhook-pull-request-reopened"];
export type InstallationDeletedPayload = Webhooks["webhook-installation-deleted"];
export type InstallationRepositoriesRemovedPayload = Webhooks["webhook-installation-repositories-removed"];

export interface RerequestedOptions extends RepositoryTarget, CommentAuthor {
  checkRunId: number;
  externalId: string;
  headSha: string;
  checkName?: string;
}

/**
 * `check_run.rerequested` (GitHub's "Re-run" link) from the real example, with: `installation.id`;
 * the repository; the check run's id, external_id, head_sha (also in its check suite) and
 * optionally name; `sender` = the person who clicked.
 */
export function checkRunRerequested(
  options: RerequestedOptions,
): Delivery<"check_run", CheckRunRerequestedPayload> {
  return checkRunDelivery<CheckRunRerequestedPayload>("rerequested", options);
}

export interface PullRequestChangeOptions extends RepositoryTarget, CommentAuthor {
  number: number;
  headRef: string;
  headSha: string;
  /** @defaultValue the default branch */
  baseRef?: string;
  /** Closed by merging (only for `closed`). @defaultValue false */
  merged?: boolean;
}

/**
 * `pull_request.closed` or `.reopened` from the real example, with: `installation.id`; the
 * repository (also as `head.repo` and `base.repo`: a branch of this repository); `number`, its
 * head ref/sha and base ref; `state`, `merged`, `merged_at` and `closed_at` for the action;
 * `sender` = who closed or reopened it.
 */
export function pullRequestChanged(
  action: "closed" | "reopened",
  options: PullRequestChangeOptions,
): Delivery<"pull_request", PullRequestClosedPayload | PullRequestReopenedPayload> {
  const base = adaptedExample<PullRequestClosedPayload>("pull_request", action, options);
  const repository = adaptRepository(base.repository, options);
  const pull = base.pull_request;
  const now = new Date().toISOString();
  const merged = action === "closed" && options.merged === true;
  const baseRef = options.baseRef ?? options.defaultBranch ?? "main";
  const payload = {
    ...base,
    number: options.number,
    installation: {
      ...base.installation,
      id: options.installationId,
      node_id: `inst-${options.installationId}`,
    },
    repository,
    pull_request: {
      ...pull,
      number: options.number,
      url: `${base.repository.url}/pulls/${options.number}`,
      html_url: `${base.repository.html_url}/pull/${options.number}`,
      state: action === "closed" ? "closed" : "open",
      closed_at: action === "closed" ? now : null,
      merged,
      merged_at: merged ? now : null,
      head: {
        ...pull.head,
        label: `${options.owner}:${options.headRef}`,
        ref: options.headRef,
        sha: options.headSha,
        repo: adaptRepository(exampleHeadRepo(pull.head.repo), options),
      },
      base: {
        ...pull.base,
        label: `${options.owner}:${baseRef}`,
        ref: baseRef,
        repo: adaptRepository(pull.base.repo, options),
      },
    },
    sender: asAuthor(base.sender, options),
  } satisfies PullRequestClosedPayload;
  return { id: randomUUID(), name: "pull_request", payload };
}

/** `installation.deleted` from the real example, with `installation.id` and its repositories. */
export function installationDeleted(options: {
  installationId: number;
  repositories: readonly { owner: string; repo: string }[];
}): Delivery<"installation", InstallationDeletedPayload> {
  const base = realExample("installation", "deleted") as InstallationDeletedPayload;
  const [example] = base.repositories ?? [];
  return {
    id: randomUUID(),
    name: "installation",
    payload: {
      ...base,
      installation: { ...base.installation, id: options.installationId },
      repositories: options.repositories.map((repository, index) => ({
        ...(example ?? { id: 1, node_id: "R_1", private: false }),
        id: 1_000 + index,
        name: repository.repo,
        full_name: `${repository.owner}/${repository.repo}`,
      })),
    },
  };
}

/** `installation_repositories.removed` from the real example, with `installation.id` and the removed repositories. */
export function installationRepositoriesRemoved(options: {
  installationId: number;
  repositories: readonly { owner: string; repo: string }[];
}): Delivery<"installation_repositories", InstallationRepositoriesRemovedPayload> {
  const base = realExample("installation_repositories", "removed") as InstallationRepositoriesRemovedPayload;
  return {
    id: randomUUID(),
    name: "installation_repositories",
    payload: {
      ...base,
      installation: { ...base.installation, id: options.installationId },
      repository_selection: "selected",
      repositories_removed: options.repositories.map((repository, index) => ({
        id: 2_000 + index,
        node_id: `R_${2_000 + index}`,
        name: repository.repo,
        full_name: `${repository.owner}/${repository.repo}`,
        private: false,
      })),
    },
  };
}

function exampleHeadRepo<T>(repo: T | null): T {
  if (repo === null) throw new Error("The pull_request example has no head repository to adapt");
  return repo;
}
