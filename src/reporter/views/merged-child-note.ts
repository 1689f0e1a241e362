// The comment that closes a child's pull request once its parent's branch holds its work: where
// the work went and where to review it. Said only when the parent's merge is on its branch and
// the parent has a pull request to point at; `children: stack` keeps children's PRs open instead.
import type { AgentRecord, RunRecord } from "../../store/records.ts";

export function mergedChildNoteMarker(agentId: string): string {
  return `<!-- flotilla:merged-into-parent:${agentId} -->`;
}

/** The note, when the child's pull request is due to be closed as merged into its parent's branch. */
export function mergedChildNote(
  run: RunRecord,
  child: AgentRecord,
  parent: AgentRecord | undefined,
): string | undefined {
  if (parent === undefined || child.closedAsMerged || run.limits.childPullRequests === "stack")
    return undefined;
  const merge = parent.childMerges.find((candidate) => candidate.childId === child.id);
  // A child retried after the merge has moved on: its pull request shows work the parent lacks.
  if (
    merge === undefined ||
    !merge.recorded ||
    merge.outcome === "aborted" ||
    merge.commit !== child.pushedSha
  )
    return undefined;
  if (parent.pullRequestUrl === undefined) return undefined;
  return [
    mergedChildNoteMarker(child.id),
    `🚢 Merged into \`${parent.branch}\` by Flotilla agent \`${parent.name}\`, see ${parent.pullRequestUrl}. Review and merge the work there; this pull request is closed.`,
  ].join("\n");
}
