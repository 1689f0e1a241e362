// wait_for_agents: if every child asked for has ended and none has a branch to merge, answer at
// once with their bounded report; otherwise park the caller. Parking means the tool call never
// returns: the worker kills the CLI, frees its slot, and when the children are done merges their
// branches into the caller's worktree and resumes the same session. Merging only once the CLI
// and everything it started are gone means the worker's git never writes into a worktree that
// an agent's process could be changing under it (swapping a directory for a link midway).

import type { Services } from "../../services.ts";
import { isTerminal } from "../../store/records.ts";
import { isMergeable } from "../integrate-children.ts";
import { childOutcomes } from "./child-outcomes.ts";
import { childrenReport } from "./children-report.ts";
import { type ToolReply, toolError } from "./tool-replies.ts";

const parkGraceMs = 500;

export async function waitForChildren(
  deps: Pick<Services, "store" | "runningAgents">,
  parentId: string,
  ids: readonly string[] | undefined,
  merge: boolean,
): Promise<ToolReply> {
  const context = deps.runningAgents.context(parentId);
  if (context === undefined) return toolError("Flotilla does not see you running on this worker; try again.");
  const children = await deps.store.listChildren(parentId);
  if (children.length === 0)
    return toolError("You have no sub-agents to wait for. Start one with spawn_agent.");
  const byId = new Map(children.map((child) => [child.id, child]));
  const unknown = (ids ?? []).filter((id) => !byId.has(id));
  if (unknown.length > 0) {
    return toolError(
      `These are not your sub-agents: ${unknown.join(", ")}. Your sub-agents are: ${children.map((c) => c.id).join(", ")}.`,
    );
  }
  const awaited =
    ids === undefined || ids.length === 0 ? children : children.filter((child) => ids.includes(child.id));
  const { childMerges } = await deps.store.requireAgent(parentId);
  const toMerge = merge ? awaited.filter((child) => isMergeable(child, childMerges)) : [];
  if (awaited.every((child) => isTerminal(child.state)) && toMerge.length === 0) {
    const outcomes = await childOutcomes(deps.store, awaited, { merges: childMerges, declined: !merge });
    return { text: childrenReport("Your sub-agents have finished.", outcomes) };
  }
  // Without ids the agent waits for every child, including any a parallel call is still starting.
  context.waitingFor = ids === undefined ? [] : awaited.map((child) => child.id);
  context.mergeDeclined = !merge;
  // The CLI writes the assistant message to its session file ~0.1 s after the stream shows it;
  // killing before that loses the agent's words before the call (docs/cli-facts.md §2).
  setTimeout(() => void deps.runningAgents.stop(parentId, "parked"), parkGraceMs);
  return { park: true };
}
