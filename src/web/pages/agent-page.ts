// GET /agents/<run>/<name>: what one agent is doing now: state, current step, spend vs budget,
// branch, pull request, its newest check run, its task, the run's tree, the latest events of its
// transcript with a live tail (server-sent events), and its final answer once it has one.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { StoredLiveEvent } from "../../store/agent-event-log.ts";
import { agentIdFor } from "../../store/identifiers.ts";
import { agentSnapshot } from "./agent-snapshot.ts";
import { agentTreeHtml } from "./agent-tree-html.ts";
import { html, safeUrl } from "./html.ts";
import { liveTailScript } from "./live-tail-script.ts";
import { allowPage } from "./page-access.ts";
import type { PageContext } from "./page-context.ts";
import { sendMessagePage, sendPage } from "./page-response.ts";

const recentEventCount = 200;
const taskChars = 10_000;
/** The answer is kept whole in Redis; the page shows this much of it. */
const answerChars = 500_000;

export async function serveAgentPage(
  context: PageContext,
  request: IncomingMessage,
  response: ServerResponse,
  runId: string,
  agentName: string,
): Promise<void> {
  const agentId = agentIdFor(runId, agentName);
  const access = allowPage(context, request, response, { runId, agentId });
  if (access === undefined || context.links === undefined) return;
  const agent = await context.store.getAgent(agentId);
  const run = await context.store.getRun(runId);
  if (agent === undefined || run === undefined) {
    sendMessagePage(
      response,
      404,
      "No such agent",
      "Flotilla has no record of this agent; it may have been removed.",
    );
    return;
  }
  const agents = await context.store.listRunAgents(run.id);
  const events = await context.events.recent(agent.id, recentEventCount);
  const snapshot = agentSnapshot(agent, agents);
  const answer = snapshot.terminal ? await context.store.readResult(agent.id, 0, answerChars) : undefined;
  const pull = safeUrl(snapshot.pullUrl);
  const checkRun = safeUrl(agent.checkRunUrl);
  const lastId = events.at(-1)?.id ?? "0-0";
  const eventsPath = `${context.links.agentEventsPath(agent, access.expiresAt)}&after=${encodeURIComponent(lastId)}`;
  sendPage(response, 200, {
    title: `${agent.name} · Flotilla`,
    body: html`<p class="muted"><a href="${context.links.runPage(run, access.expiresAt)}">Run ${run.id}</a> · ${run.owner}/${run.repo} #${run.issueNumber}</p>
<h1>${agent.name}</h1>
<dl class="facts">
<dt>State</dt><dd data-field="state">${snapshot.fields.state}</dd>
<dt>Now</dt><dd data-field="step">${snapshot.fields.step}</dd>
<dt>Spend</dt><dd><span data-field="spend">${snapshot.fields.spend}</span><br><progress max="1" value="${snapshot.spentRatio}"></progress></dd>
<dt>Cost</dt><dd data-field="cost">${snapshot.fields.cost}</dd>
<dt>Branch</dt><dd><code>${agent.branch}</code></dd>
<dt>Pull request</dt><dd><a data-field="pull"${pull === undefined ? html` hidden` : html` href="${pull}"`}>${snapshot.pullLabel ?? ""}</a><span data-field="no-pull"${pull === undefined ? "" : html` hidden`}>none yet</span></dd>
<dt>Check run</dt><dd>${checkRun === undefined ? "none yet" : html`<a data-field="check-run" href="${checkRun}">on GitHub</a>${agent.generation > 0 ? ` (attempt ${agent.generation + 1})` : ""}`}</dd>
${agent.error === undefined ? "" : html`<dt>Error</dt><dd>${agent.error}</dd>`}
</dl>
<h2>Task</h2>
<pre>${agent.task.slice(0, taskChars)}${agent.task.length > taskChars ? "\n…" : ""}</pre>
<h2>Activity <span class="live" data-live>${snapshot.terminal ? "(ended)" : ""}</span></h2>
<ol class="events" id="events" data-events="${snapshot.terminal ? "" : eventsPath}">${events.map(eventItem)}</ol>
${events.length === 0 ? html`<p class="muted" data-empty>No activity recorded yet.</p>` : ""}
${answer === undefined ? "" : html`<h2>Final answer</h2><pre>${answer.text}${answer.totalChars > answer.text.length ? `\n… (${answer.totalChars} characters in all)` : ""}</pre>`}
<h2>Run</h2>
${agentTreeHtml(agents, context.links, access.expiresAt, agent.id)}
<footer>Link valid until ${new Date(access.expiresAt * 1000).toUTCString()}.</footer>`,
    script: liveTailScript,
  });
}

function eventItem(event: StoredLiveEvent) {
  return html`<li class="event-${event.kind}"><time>${new Date(event.at).toISOString().slice(11, 19)}</time>${event.text}</li>`;
}
