// Where an agent's repository is fetched from and pushed to: the run's clone URL, with an
// installation token when it is GitHub's (a local path or file:// URL needs none). The token is
// asked for at each git command, not once: a long agent's last push outlives its first token.
import { installationToken } from "../github/github-app.ts";
import type { Services } from "../services.ts";
import type { RunRecord } from "../store/records.ts";
import type { RepositorySource } from "../workspace/mirror.ts";

export async function repositorySource(
  deps: Pick<Services, "clientFor">,
  run: RunRecord,
): Promise<RepositorySource> {
  if (!/^https?:\/\//i.test(run.cloneUrl)) return { cloneUrl: run.cloneUrl };
  return {
    cloneUrl: run.cloneUrl,
    token: async () => installationToken(await deps.clientFor(run.installationId)),
  };
}
