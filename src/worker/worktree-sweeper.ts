// Removes what ended agents left on this host once their retention has passed: the worktree of
// a failed agent is kept that long for inspection, then removed with its scratch space and
// transcript. A worktree with no record at all (a lost run) is removed too.
import { readdir, rm, rmdir } from "node:fs/promises";
import { join } from "node:path";
import type { Services } from "../services.ts";
import { isTerminal } from "../store/records.ts";
import { removeAgentOwnedTree } from "../workspace/agent-owned-tree.ts";
import { checkoutOf } from "../workspace/agent-workspace.ts";
import { agentPaths, mirrorPath } from "../workspace/data-paths.ts";
import { removeWorktree } from "../workspace/worktree.ts";

export async function sweepWorktrees(
  deps: Pick<Services, "config" | "store" | "runningAgents" | "log">,
  now = Date.now(),
): Promise<string[]> {
  const root = join(deps.config.dataDir, "worktrees");
  const removed: string[] = [];
  for (const runId of await readdir(root).catch((): string[] => [])) {
    for (const name of await readdir(join(root, runId)).catch((): string[] => [])) {
      const agentId = `${runId}/${name}`;
      if (deps.runningAgents.has(agentId)) continue;
      const agent = await deps.store.getAgent(agentId);
      const expired =
        agent === undefined ||
        (isTerminal(agent.state) && (agent.endedAt ?? 0) + deps.config.worktreeRetentionMs <= now);
      if (!expired) continue;
      const paths = agentPaths(deps.config.dataDir, agentId);
      const run = agent === undefined ? undefined : await deps.store.getRun(agent.runId);
      if (run !== undefined && agent !== undefined) {
        const mirrorDir = mirrorPath(deps.config.dataDir, run.owner, run.repo);
        await removeWorktree(
          checkoutOf(paths, mirrorDir, agent, run.limits.sparsePaths),
          deps.config.worktreePool,
        );
      } else {
        await removeAgentOwnedTree(paths.worktree);
      }
      await rm(join(deps.config.dataDir, "agents", agentId), { recursive: true, force: true });
      await rm(paths.workerDir, { recursive: true, force: true });
      removed.push(agentId);
    }
    await rmdir(join(root, runId)).catch(() => undefined);
  }
  await removeEmptyRunFolders(deps.config.dataDir);
  if (removed.length > 0) deps.log.info({ removed }, "removed expired worktrees");
  return removed;
}

/**
 * A run's folders under agents/ and worker/ outlive their last agent's (a succeeded agent removes
 * its own worktree and folders as it finishes): an empty one goes (rmdir refuses any other).
 */
async function removeEmptyRunFolders(dataDir: string): Promise<void> {
  for (const root of [join(dataDir, "agents"), join(dataDir, "worker")]) {
    for (const runId of await readdir(root).catch((): string[] => []))
      await rmdir(join(root, runId)).catch(() => undefined);
  }
}
