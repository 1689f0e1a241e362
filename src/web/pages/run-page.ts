// GET /runs/<run>: a run at a glance: who started it where, the tree of agents with state,
// spend vs budget and pull requests, and the total spend. It reloads itself while agents work.
import type { IncomingMessage, ServerResponse } from "node:http";
import { isTerminal } from "../../store/records.ts";
import { formatTokens } from "../../text/format-tokens.ts";
import { agentTreeHtml } from "./agent-tree-html.ts";
import { html, safeUrl } from "./html.ts";
import { allowPage } from "./page-access.ts";
import type { PageContext } from "./page-context.ts";
import { sendMessagePage, sendPage } from "./page-response.ts";

const reloadSeconds = 15;

export async function serveRunPage(
  context: PageContext,
  request: IncomingMessage,
  response: ServerResponse,
  runId: string,
): Promise<void> {
  const access = allowPage(context, request, response, { runId, agentId: "" });
  if (access === undefined || context.links === undefined) return;
  const run = await context.store.getRun(runId);
  if (run === undefined) {
    sendMessagePage(
      response,
      404,
      "No such run",
      "Flotilla has no record of this run; it may have been removed.",
    );
    return;
  }
  const agents = await context.store.listRunAgents(run.id);
  const roots = agents.filter((agent) => agent.parentId === undefined);
  const spent = agents.reduce((sum, agent) => sum + agent.spentTokens, 0);
  const cost = agents.reduce((sum, agent) => sum + agent.costUsd, 0);
  const working = agents.some((agent) => !isTerminal(agent.state));
  sendPage(response, 200, {
    title: `Flotilla run ${run.id}`,
    refreshSeconds: working ? reloadSeconds : undefined,
    body: html`<p class="muted">${run.owner}/${run.repo} #${run.issueNumber}</p>
<h1>Flotilla run <code>${run.id}</code></h1>
<p>Started by @${run.commenter}${safeUrl(run.commentUrl) === undefined ? "" : html` in <a href="${safeUrl(run.commentUrl)}">this comment</a>`}.
${agents.length} agent${agents.length === 1 ? "" : "s"} · ${formatTokens(spent)} of ${formatTokens(
      roots.reduce((sum, agent) => sum + agent.budgetTokens, 0),
    )} tokens · $${cost.toFixed(4)}</p>
<h2>Agents</h2>
${agentTreeHtml(agents, context.links, access.expiresAt)}
<footer>${working ? `This page reloads every ${reloadSeconds} s while agents work. ` : ""}Link valid until ${new Date(access.expiresAt * 1000).toUTCString()}.</footer>`,
  });
}
