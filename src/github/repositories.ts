import type { GitHubClient } from "./github-app.ts";
import type { Repository } from "./pull-requests.ts";

/** The commit a branch points to (an issue's agents start from the default branch). */
export async function getBranchHead(
  client: GitHubClient,
  repository: Repository,
  branch: string,
): Promise<string> {
  const { data } = await client.rest.repos.getBranch({ ...repository, branch });
  return data.commit.sha;
}
