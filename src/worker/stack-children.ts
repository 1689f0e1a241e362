// A `--stack` run's last step before its integrating root ends: each item's branch is moved
// forward to the root's commit that recorded its merge (stack-points.ts), and only then is the
// item's pull request due, based on the previous item's branch. Pushing the same commit again is
// a no-op, so a worker killed halfway does it all again on the root's next finish.
import type { Services } from "../services.ts";
import { isWorkIn } from "../store/integration-state.ts";
import type { AgentRecord } from "../store/records.ts";
import type { AgentWorkspace } from "../workspace/agent-workspace.ts";
import { firstParentChain, pushCommitToBranch } from "../workspace/stacked-branches.ts";
import { type StackItem, stackPoints } from "./stack-points.ts";

/** `head`: the root's final pushed commit. Does nothing unless the root is a `--stack` run's. */
export async function stackChildren(
  deps: Pick<Services, "store" | "reporter" | "log">,
  rootId: string,
  workspace: AgentWorkspace,
  head: string | undefined,
): Promise<void> {
  const root = await deps.store.requireAgent(rootId);
  if (root.role !== "integrator" || head === undefined) return;
  const run = await deps.store.requireRun(root.runId);
  if (!run.stack) return;
  const children = await deps.store.listChildren(root.id);
  const items = children.flatMap((child): StackItem[] => {
    const merge = root.childMerges.find((candidate) => candidate.childId === child.id);
    if (!child.hasChanges || merge === undefined || !isWorkIn(child, root.childMerges)) return [];
    return [{ childId: child.id, branch: child.branch, mergedCommit: merge.commit }];
  });
  const chain = await firstParentChain(workspace.mirrorDir, root.baseSha, head);
  const plan = stackPoints(chain, items, head, run.baseBranch);
  const byId = new Map(children.map((child): [string, AgentRecord] => [child.id, child]));
  for (const point of plan.points) {
    const child = byId.get(point.childId);
    if (child === undefined) continue;
    await pushCommitToBranch(workspace.mirrorDir, workspace.source, point.commit, child.branch);
    await deps.store.updateAgent(child.id, { stackBase: point.base });
  }
  for (const folded of plan.folded)
    deps.log.warn({ agentId: root.id, ...folded }, "a stacked item gets no pull request of its own");
  await deps.reporter.changed(
    plan.points.map((point) => ({ kind: "pull", agentId: point.childId })),
    { urgent: true },
  );
  deps.log.info({ agentId: root.id, stacked: plan.points.length }, "stacked the items' pull requests");
}
