// The run's tree of agents as nested lists: each agent's name (a signed link to its page, with
// the expiry of the page it is shown on), state and the host it runs on, whether its parent merged
// its branch, spend vs budget, pull request and newest check run.
import type { PageLinks } from "../../links/page-links.ts";
import type { AgentRecord } from "../../store/records.ts";
import { stateLabelOf } from "../../text/agent-state-labels.ts";
import { formatTokens } from "../../text/format-tokens.ts";
import { childMergeWords } from "../../text/merge-words.ts";
import { html, type SafeHtml, safeUrl } from "./html.ts";

export function agentTreeHtml(
  agents: readonly AgentRecord[],
  links: PageLinks,
  expiresAt: number,
  currentAgentId?: string,
): SafeHtml {
  const childrenOf = new Map<string | undefined, AgentRecord[]>();
  for (const agent of agents) {
    // An agent whose parent is not in the run (never expected) is shown at the top.
    const parent = agents.some((other) => other.id === agent.parentId) ? agent.parentId : undefined;
    childrenOf.set(parent, [...(childrenOf.get(parent) ?? []), agent]);
  }
  const merges = new Map(agents.flatMap((agent) => agent.childMerges.map((merge) => [merge.childId, merge])));
  const byId = new Map(agents.map((agent) => [agent.id, agent]));
  const list = (parentId: string | undefined): SafeHtml => {
    const children = childrenOf.get(parentId) ?? [];
    if (children.length === 0) return html``;
    return html`<ul class="tree">${children.map((agent) => {
      const pull = safeUrl(agent.pullRequestUrl);
      const checkRun = safeUrl(agent.checkRunUrl);
      const mergeShown = childMergeWords(agent, byId.get(agent.parentId ?? ""), merges.get(agent.id));
      return html`<li data-agent="${agent.id}"${agent.id === currentAgentId ? html` class="current"` : ""}>
<a href="${links.agentPage(agent, expiresAt)}">${agent.name}</a>
· <span data-part="state">${stateLabelOf(agent)}</span>${
        agent.host === undefined ? "" : html` on <span data-part="host">${agent.host}</span>`
      }${mergeShown === undefined ? "" : html` · <span data-part="merge">${mergeShown}</span>`}
· <span data-part="spend">${formatTokens(agent.spentTokens)} / ${formatTokens(agent.budgetTokens)}</span>${
        pull === undefined ? "" : html` · <a href="${pull}">#${agent.pullRequestNumber}</a>`
      }${checkRun === undefined ? "" : html` · <a data-part="check-run" href="${checkRun}">check run</a>`}${list(agent.id)}</li>`;
    })}</ul>`;
  };
  return list(undefined);
}
