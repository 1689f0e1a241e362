// Pull request reads and writes. Creation is always preceded by a lookup by head branch, so
// a worker that crashed after creating one never creates a second.
import type { GitHubClient } from "./github-app.ts";

export interface Repository {
  owner: string;
  repo: string;
}

interface PullRequestHead {
  number: number;
  state: string;
  locked: boolean;
  headSha: string;
  headRef: string;
  headRepoFullName: string | undefined;
  baseRef: string;
  isFork: boolean;
  /** Closed by merging (a closed pull request that was not merged has `merged: false`). */
  merged: boolean;
}

export async function getPullRequest(client: GitHubClient, repository: Repository, number: number) {
  const { data } = await client.rest.pulls.get({ ...repository, pull_number: number });
  const headRepoFullName = data.head.repo?.full_name;
  return {
    number: data.number,
    state: data.state,
    locked: data.locked,
    headSha: data.head.sha,
    headRef: data.head.ref,
    headRepoFullName,
    baseRef: data.base.ref,
    isFork: headRepoFullName !== `${repository.owner}/${repository.repo}`,
    merged: data.merged,
  } satisfies PullRequestHead;
}

export interface PullRequestContent {
  title: string;
  body: string;
  head: string;
  base: string;
}

export async function findPullRequestByHead(
  client: GitHubClient,
  repository: Repository,
  head: string,
): Promise<{ number: number; url: string } | undefined> {
  const { data } = await client.rest.pulls.list({
    ...repository,
    head: `${repository.owner}:${head}`,
    state: "all",
    per_page: 10,
  });
  const found = data.find((pull) => pull.head.ref === head);
  return found === undefined ? undefined : { number: found.number, url: found.html_url };
}

export async function createPullRequest(
  client: GitHubClient,
  repository: Repository,
  content: PullRequestContent,
): Promise<{ number: number; url: string }> {
  const { data } = await client.rest.pulls.create({ ...repository, ...content });
  return { number: data.number, url: data.html_url };
}

export async function updatePullRequest(
  client: GitHubClient,
  repository: Repository,
  number: number,
  content: Pick<PullRequestContent, "title" | "body">,
): Promise<void> {
  await client.rest.pulls.update({ ...repository, pull_number: number, ...content });
}

/** Closes a pull request without merging it (an agent's, once its parent's branch holds its work). */
export async function closePullRequest(
  client: GitHubClient,
  repository: Repository,
  number: number,
): Promise<void> {
  await client.rest.pulls.update({ ...repository, pull_number: number, state: "closed" });
}
