// What a parent is told about the children it waited for: each child's record and the start of
// its result, read once for the report, and what became of its branch (wait_for_agents, or the message a parked parent resumes with).
import type { AgentRecord, ChildMerge } from "../../store/records.ts";
import type { RunStore } from "../../store/run-store.ts";
import { type ChildOutcome, excerptLength } from "./children-report.ts";

/** Reads what the report needs of each child: its record, the start of its result, and its merge. */
export async function childOutcomes(
  store: RunStore,
  children: readonly AgentRecord[],
  merging: { merges: readonly ChildMerge[]; declined: boolean },
): Promise<ChildOutcome[]> {
  const length = excerptLength(children.length);
  return Promise.all(
    children.map(async (agent) => {
      const page = await store.readResult(agent.id, 0, length);
      return {
        agent,
        resultStart: page?.text ?? "",
        resultChars: page?.totalChars ?? 0,
        merge: merging.merges.find((merge) => merge.childId === agent.id),
        mergeDeclined: merging.declined,
      };
    }),
  );
}
