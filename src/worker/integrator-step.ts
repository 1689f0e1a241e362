// What an integrating root (records.ts `role`) does next, decided from its children and its
// merges alone, and how it ends when no model is needed: the summary its pull request opens
// with. Pure, so that every case is tested without a worker.
import { isWorkIn } from "../store/integration-state.ts";
import { type AgentRecord, type ChildMerge, isTerminal } from "../store/records.ts";
import type { Ending } from "./finish-agent.ts";
import { isMergeable } from "./integrate-children.ts";

/**
 * wait: children still work, or ended with work not merged yet (parking, then resuming, merges
 * it); resolve: a merge left conflict markers, for a model to resolve; finish: nothing left to do.
 */
export type IntegratorStep = "wait" | "resolve" | "finish";

export function integratorStep(
  children: readonly AgentRecord[],
  merges: readonly ChildMerge[],
): IntegratorStep {
  if (children.some((child) => !isTerminal(child.state) || isMergeable(child, merges))) return "wait";
  const unresolved = merges.some((merge) => merge.outcome === "conflicted" && !merge.recorded);
  return unresolved ? "resolve" : "finish";
}

/**
 * Whether the agent's job may call the model before it ends: not an integrating root whose
 * session never started (it merges without one; a conflict starts its session).
 */
export function mayCallModel(agent: Pick<AgentRecord, "role" | "sessionStarted">): boolean {
  return agent.role !== "integrator" || agent.sessionStarted;
}

/** How much of each child's answer the summary quotes. */
const excerptChars = 1_500;

/**
 * The root's ending once every child ended and every merge was clean: succeeded when some item
 * succeeded (its pull request says which did not), failed when none did. `results` are the
 * children's answers by id.
 */
export function integrationEnding(
  root: Pick<AgentRecord, "name">,
  issueNumber: number,
  children: readonly AgentRecord[],
  merges: readonly ChildMerge[],
  results: ReadonlyMap<string, string>,
): Ending {
  const sections = children.map((child) => {
    const answer = (results.get(child.id) ?? "").trim();
    const quoted = answer.length > excerptChars ? `${answer.slice(0, excerptChars - 1)}…` : answer;
    const missing = isWorkIn(child, merges) ? [] : [notInWords(root, child, merges)];
    return [`#### \`${child.name}\``, "", ...missing, quoted === "" ? "_No summary._" : quoted].join("\n");
  });
  const intro = `This pull request brings together the work of ${children.length} agents, one for each task listed in #${issueNumber}: Flotilla merged each one's branch into this one, and no conflict needed resolving.`;
  const resultText = [intro, ...sections].join("\n\n");
  if (children.some((child) => child.state === "succeeded")) return { state: "succeeded", resultText };
  return {
    state: "failed",
    resultText,
    error: `none of the ${children.length} tasks of #${issueNumber} succeeded (${children
      .map((child) => `${child.name}: ${child.state}`)
      .join(
        ", ",
      )}); retry them with \`/agents retry <agent>\`, then \`/agents retry ${root.name}\` integrates them`,
  };
}

/** Why an item's work is not in the pull request, and how to bring it in. */
function notInWords(
  root: Pick<AgentRecord, "name">,
  child: AgentRecord,
  merges: readonly ChildMerge[],
): string {
  if (child.state === "succeeded") {
    const reason = merges.find((candidate) => candidate.childId === child.id)?.reason;
    return `⚠️ Not in this pull request: merging its branch \`${child.branch}\` was aborted (${reason ?? "git could not merge it"}); merge it by hand.`;
  }
  return `⚠️ Not in this pull request: it ended ${child.state.replaceAll("_", " ")}. \`/agents retry ${child.name}\`, then \`/agents retry ${root.name}\`, brings it in.`;
}
