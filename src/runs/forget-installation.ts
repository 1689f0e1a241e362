// The app was uninstalled (`installation.deleted`) or lost some repositories
// (`installation_repositories.removed`): Flotilla may no longer act there, so the runs of those
// repositories stop (their running agents are cancelled) and are forgotten: no command, page or
// list finds them, and their records expire once the workers have had time to stop the agents.
// Nothing is written to GitHub: the app has no access there any more.
import type { Services } from "../services.ts";
import { isTerminal } from "../store/records.ts";
import { cancelAgents } from "./cancel-agents.ts";

/** Time for workers to stop a forgotten run's agents before its records expire. */
const forgetGraceSeconds = 15 * 60;

export interface InstallationRemoval {
  deliveryId: string;
  installationId: number;
  /** The repositories removed from the installation ("owner/name"); undefined: all of them. */
  repositories?: readonly string[] | undefined;
}

export async function forgetInstallationRuns(
  deps: Pick<Services, "store" | "queue" | "reporter" | "log">,
  removal: InstallationRemoval,
): Promise<string[]> {
  const log = deps.log.child({ deliveryId: removal.deliveryId, installationId: removal.installationId });
  const removed = removal.repositories?.map((name) => name.toLowerCase());
  const forgotten: string[] = [];
  for (const runId of await deps.store.runIdsForInstallation(removal.installationId)) {
    const run = await deps.store.getRun(runId);
    if (run === undefined) continue;
    if (removed !== undefined && !removed.includes(`${run.owner}/${run.repo}`.toLowerCase())) continue;
    const running = (await deps.store.listRunAgents(runId)).filter((agent) => !isTerminal(agent.state));
    if (running.length > 0) await cancelAgents(deps, running, "the app was removed from the repository");
    await deps.store.forgetRun(run, forgetGraceSeconds);
    forgotten.push(runId);
  }
  log.info(
    { forgotten, repositories: removal.repositories ?? "all" },
    "installation removed: its runs cancelled and forgotten",
  );
  return forgotten;
}
