// Marks the children's merges a checkpoint committed (a conflict's, once the parent resolved it)
// as recorded on the parent's branch: from then on its pull request says they are merged, and
// their own pull requests can be closed.
import type { RunStore } from "../store/run-store.ts";

export async function recordChildMerges(
  store: RunStore,
  agentId: string,
  commits: readonly string[],
): Promise<void> {
  if (commits.length === 0) return;
  const agent = await store.requireAgent(agentId);
  let changed = false;
  const merges = agent.childMerges.map((merge) => {
    if (merge.recorded || !commits.includes(merge.commit)) return merge;
    changed = true;
    return { ...merge, recorded: true };
  });
  if (changed) await store.updateAgent(agentId, { childMerges: merges });
}
