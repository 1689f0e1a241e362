// Check run writes, one check run per agent. The agent id travels as `external_id`, so a check
// run whose id was not saved (a crash right after creating it) is found again, not duplicated.
import type { GitHubClient } from "./github-app.ts";
import type { Repository } from "./pull-requests.ts";

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

export async function createCheckRun(
  client: GitHubClient,
  repository: Repository,
  content: CheckRunContent,
): Promise<number> {
  const { data } = await client.rest.checks.create({
    ...repository,
    head_sha: content.headSha,
    ...requestFields(content),
  });
  return data.id;
}

export async function updateCheckRun(
  client: GitHubClient,
  repository: Repository,
  checkRunId: number,
  content: CheckRunContent,
): Promise<void> {
  await client.rest.checks.update({ ...repository, check_run_id: checkRunId, ...requestFields(content) });
}

export async function findCheckRunByExternalId(
  client: GitHubClient,
  repository: Repository,
  headSha: string,
  name: string,
  externalId: string,
): Promise<number | undefined> {
  const { data } = await client.rest.checks.listForRef({
    ...repository,
    ref: headSha,
    check_name: name,
    per_page: 100,
  });
  return data.check_runs.find((run) => run.external_id === externalId)?.id;
}
