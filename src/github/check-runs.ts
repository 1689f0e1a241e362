// Check run writes, one check run per agent and attempt: a completed check run is final on
// GitHub, so a retried or continued agent gets a new one with the same name and `external_id`
// (the agent id), and the newest is the agent's. A check run whose id was not saved (a crash
// right after creating it) is found again by external_id, not duplicated.
import type { GitHubClient } from "./github-app.ts";
import type { Repository } from "./pull-requests.ts";
import { drainAnswer, unparsedAnswer } from "./unread-answer.ts";

export type CheckStatus = "queued" | "in_progress" | "completed";
export type CheckConclusion =
  | "success"
  | "failure"
  | "neutral"
  | "cancelled"
  | "skipped"
  | "timed_out"
  | "action_required";

export interface CheckRunAction {
  label: string;
  identifier: string;
  description: string;
}

export interface CheckRunContent {
  name: string;
  headSha: string;
  externalId: string;
  status: CheckStatus;
  conclusion?: CheckConclusion | undefined;
  detailsUrl?: string | undefined;
  startedAt?: string | undefined;
  completedAt?: string | undefined;
  title: string;
  summary: string;
  text?: string | undefined;
  actions: CheckRunAction[];
}

function requestFields(content: CheckRunContent) {
  return {
    name: content.name,
    external_id: content.externalId,
    status: content.status,
    ...(content.conclusion === undefined ? {} : { conclusion: content.conclusion }),
    ...(content.detailsUrl === undefined ? {} : { details_url: content.detailsUrl }),
    ...(content.startedAt === undefined ? {} : { started_at: content.startedAt }),
    ...(content.completedAt === undefined ? {} : { completed_at: content.completedAt }),
    output: {
      title: content.title,
      summary: content.summary,
      ...(content.text === undefined ? {} : { text: content.text }),
    },
    actions: content.actions,
  };
}

export interface CheckRunRef {
  id: number;
  /** The check run's page on GitHub. */
  url: string;
}

export interface FoundCheckRun extends CheckRunRef {
  status: string;
  conclusion: string | null;
}

export async function createCheckRun(
  client: GitHubClient,
  repository: Repository,
  content: CheckRunContent,
): Promise<CheckRunRef> {
  const { data } = await client.rest.checks.create({
    ...repository,
    head_sha: content.headSha,
    ...requestFields(content),
  });
  return { id: data.id, url: data.html_url ?? data.url };
}

export async function updateCheckRun(
  client: GitHubClient,
  repository: Repository,
  checkRunId: number,
  content: CheckRunContent,
): Promise<void> {
  const { data } = await client.rest.checks.update({
    ...repository,
    check_run_id: checkRunId,
    ...requestFields(content),
    ...unparsedAnswer,
  });
  await drainAnswer(data);
}

/** Whether the check run is completed (then GitHub keeps its status and conclusion). */
export async function isCheckRunCompleted(
  client: GitHubClient,
  repository: Repository,
  checkRunId: number,
): Promise<boolean> {
  const { data } = await client.rest.checks.get({ ...repository, check_run_id: checkRunId });
  return data.status === "completed";
}

/** The newest check run of the commit with this name and external_id (ids only grow). */
export async function findNewestCheckRunByExternalId(
  client: GitHubClient,
  repository: Repository,
  headSha: string,
  name: string,
  externalId: string,
): Promise<FoundCheckRun | undefined> {
  const { data } = await client.rest.checks.listForRef({
    ...repository,
    ref: headSha,
    check_name: name,
    filter: "all",
    per_page: 100,
  });
  const newest = data.check_runs
    .filter((run) => run.external_id === externalId)
    .reduce<(typeof data.check_runs)[number] | undefined>(
      (best, run) => (best === undefined || run.id > best.id ? run : best),
      undefined,
    );
  if (newest === undefined) return undefined;
  return {
    id: newest.id,
    url: newest.html_url ?? newest.url,
    status: newest.status,
    conclusion: newest.conclusion,
  };
}
