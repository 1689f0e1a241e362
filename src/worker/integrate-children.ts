// Takes a parent's children's work into its own branch when it resumes after waiting: each
// succeeded child's branch is merged into the parent's worktree in the order the children were
// started (workspace/merge-commit.ts), before the parent's CLI starts again, never while it runs.
// What became of each child is kept on the parent's record as it happens, so a worker that dies
// midway merges none twice, and the resume report, the PR and the tracking comment can say it.
import type { Services } from "../services.ts";
import type { AgentRecord, ChildMerge } from "../store/records.ts";
import { prefixWithin } from "../text/truncate.ts";
import { type AgentWorkspace, pendingMergesOf, workspaceCheckout } from "../workspace/agent-workspace.ts";
import { isGitRefusal } from "../workspace/git.ts";
import { mergesHeldBy } from "../workspace/held-merges.ts";
import { type MergeOutcome, mergeIntoCheckout } from "../workspace/merge-commit.ts";
import { resolveCommit, syncMirror } from "../workspace/mirror.ts";
import { type Checkout, commitAll, pushBranch } from "../workspace/worktree.ts";

/** Merges the succeeded children not merged yet; returns all of the parent's merges. */
export async function integrateChildren(
  deps: Pick<Services, "store" | "log">,
  workspace: AgentWorkspace,
  parentId: string,
  children: readonly AgentRecord[],
): Promise<ChildMerge[]> {
  const parent = await deps.store.requireAgent(parentId);
  const checkout = workspaceCheckout(workspace, parent);
  let merges = await mergesStillHeld(deps, workspace, checkout, parent);
  for (const child of children) {
    if (!isMergeable(child, merges) || child.pushedSha === undefined) continue;
    const outcome = await mergeChild(workspace, checkout, parent, child, child.pushedSha, merges);
    const merge = childMergeOf(child.id, child.pushedSha, outcome);
    merges = [...merges, merge];
    await deps.store.updateAgent(parentId, { childMerges: merges });
    deps.log.info(
      { childId: child.id, outcome: merge.outcome, files: merge.files },
      "merged a sub-agent's branch into its parent's worktree",
    );
  }
  // Its pull request shows the merged work at once, and another host resumes from it: a
  // conflict's markers too, committed as work in progress (as the parent's next checkpoint
  // would, but that may come after this host is gone, and the record already says "conflicted").
  // Pushed even when this attempt merged nothing new: an earlier one may have died before its push.
  const pending = pendingMergesOf({ childMerges: merges });
  if (pending.heads.length > 0)
    await commitAll(checkout, `${parent.name}: sub-agents' merges to resolve`, pending);
  if (merges.some((merge) => merge.outcome !== "aborted")) await pushBranch(checkout, workspace.source);
  return merges;
}

/**
 * The parent's merges its checkout holds: all of them when the worker finds the worktree as it
 * left it; those the pushed branch holds when it had to restore it (the others are done again).
 */
async function mergesStillHeld(
  deps: Pick<Services, "store">,
  workspace: AgentWorkspace,
  checkout: Checkout,
  parent: AgentRecord,
): Promise<ChildMerge[]> {
  if (workspace.origin === "reused") return parent.childMerges;
  const held = await mergesHeldBy(checkout, parent.childMerges);
  // Forgotten before merging again: a worker that dies meanwhile must not find them recorded.
  if (held.length !== parent.childMerges.length)
    await deps.store.updateAgent(parent.id, { childMerges: held });
  return held;
}

/** Whether the child's work is due to be merged: it succeeded with changes and was not merged before. */
export function isMergeable(child: AgentRecord, merges: readonly ChildMerge[]): boolean {
  if (child.state !== "succeeded" || !child.hasChanges || child.pushedSha === undefined) return false;
  return !merges.some((merge) => merge.childId === child.id);
}

async function mergeChild(
  workspace: AgentWorkspace,
  checkout: Checkout,
  parent: AgentRecord,
  child: AgentRecord,
  commit: string,
  merges: readonly ChildMerge[],
): Promise<MergeOutcome> {
  // A child that ran on another host pushed commits this mirror has not seen. A lookup or a sync
  // that fails (GitHub away, a timeout) says nothing of the merge: thrown, the job tries again.
  if ((await resolveCommit(workspace.mirrorDir, commit)) === undefined)
    await syncMirror(workspace.mirrorDir, workspace.source);
  const message = `Merge sub-agent ${child.name} into ${parent.name}\n\nBranch ${child.branch}, the work of Flotilla agent ${child.id}.`;
  try {
    return await mergeIntoCheckout(checkout, commit, message, pendingMergesOf({ childMerges: merges }).heads);
  } catch (error) {
    // Only git refusing this merge is recorded, for good; a timeout or a dying runner is retried.
    if (!isGitRefusal(error)) throw error;
    return { kind: "aborted", reason: `git could not merge it: ${prefixWithin(String(error), 300)}` };
  }
}

function childMergeOf(childId: string, commit: string, outcome: MergeOutcome): ChildMerge {
  switch (outcome.kind) {
    case "merged":
      return { childId, commit, outcome: "merged", recorded: outcome.commit !== undefined, files: [] };
    case "already-merged":
      return { childId, commit, outcome: "merged", recorded: true, files: [] };
    case "conflicted":
      return { childId, commit, outcome: "conflicted", recorded: false, files: outcome.files };
    case "aborted":
      return { childId, commit, outcome: "aborted", recorded: false, files: [], reason: outcome.reason };
  }
}
