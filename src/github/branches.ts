// Deleting a branch of the repository: only agents' own branches, once their pull request was
// closed unmerged and the retention time has passed (see runs/delete-closed-agent-branches.ts).
import type { GitHubClient } from "./github-app.ts";
import type { Repository } from "./pull-requests.ts";

/** Deletes `branch`; false when it was already gone (GitHub answers 422 for a missing ref). */
export async function deleteBranch(
  client: GitHubClient,
  repository: Repository,
  branch: string,
): Promise<boolean> {
  try {
    await client.rest.git.deleteRef({ ...repository, ref: `heads/${branch}` });
    return true;
  } catch (error) {
    const status =
      typeof error === "object" && error !== null && "status" in error ? error.status : undefined;
    if (status === 422 || status === 404) return false;
    throw error;
  }
}
