// `/`: a small page that says this is Flotilla and how it is doing: version, role, whether it
// is ready, and the agent queue's depths; nothing secret. Opened from the operator's signed link
// (`./flotilla doctor` prints one), it also lists the recent runs with signed links to their pages.
import type { IncomingMessage, ServerResponse } from "node:http";
import { flotillaVersion } from "../../config/version.ts";
import type { PageLinks } from "../../links/page-links.ts";
import { statusAgentId } from "../../links/page-links.ts";
import { checkPageLink } from "../../links/page-signature.ts";
import type { Readiness } from "../../ops/readiness.ts";
import type { RunStore } from "../../store/run-store.ts";
import { html, type SafeHtml } from "./html.ts";
import { sendPage } from "./page-response.ts";

export interface StatusSources {
  role: string;
  readiness: Readiness;
  /** The agent queue's depths by state; may fail while Redis is down. */
  queueDepths: () => Promise<Record<string, number>>;
  store: RunStore;
  /** Undefined when no page secret is configured (then no run is ever listed). */
  links: PageLinks | undefined;
  key: Buffer | undefined;
}

const listedRuns = 20;

const shownStates = ["waiting", "active", "waiting-children", "delayed", "failed", "completed"] as const;
const depthTimeoutMs = 1_000;

export async function serveStatusPage(
  sources: StatusSources,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const [readiness, depths] = await Promise.all([
    sources.readiness.report(),
    withTimeout(sources.queueDepths()),
  ]);
  const checks = Object.entries(readiness.checks).map(
    ([name, state]) => html`<dt>${name}</dt><dd>${state}</dd>`,
  );
  const queue =
    depths === undefined
      ? html`<p class="muted">The queue cannot be read now (Redis does not answer).</p>`
      : html`<dl class="facts">${shownStates.map((state) => html`<dt>${state}</dt><dd>${String(depths[state] ?? 0)}</dd>`)}</dl>`;
  const runs = await recentRuns(sources, request);
  sendPage(response, readiness.ready ? 200 : 503, {
    title: "Flotilla",
    refreshSeconds: request.method === "GET" ? 30 : undefined,
    body: html`<h1>Flotilla</h1>
<dl class="facts"><dt>version</dt><dd>${flotillaVersion}</dd><dt>role</dt><dd>${sources.role}</dd><dt>ready</dt><dd>${readiness.ready ? "yes" : "no"}</dd>${checks}</dl>
<h2>Agent queue</h2>
${queue}
${runs}`,
  });
}

/** The recent runs for a request with the operator's signed link; a note otherwise. */
async function recentRuns(sources: StatusSources, request: IncomingMessage): Promise<SafeHtml> {
  const query = new URL(request.url ?? "/", "http://status.invalid").searchParams;
  const note = html`<p class="muted">Agents and runs have pages of their own, linked from their check runs and tracking comments.</p>`;
  if (sources.key === undefined || sources.links === undefined || !query.has("sig")) return note;
  const check = checkPageLink(sources.key, {
    runId: "",
    agentId: statusAgentId,
    expires: query.get("exp"),
    signature: query.get("sig"),
  });
  if (!check.ok)
    return html`<p>This link does not list the recent runs (${check.problem === "expired" ? "it expired" : "its signature does not match"}): <code>./flotilla doctor</code> prints a fresh one.</p>`;
  const ids = await withTimeout(sources.store.recentRunIds(listedRuns));
  if (ids === undefined)
    return html`<p class="muted">The recent runs cannot be read now (Redis does not answer).</p>`;
  const expiresAt = check.expiresAtMs / 1000;
  const runs = await Promise.all(ids.map((id) => sources.store.getRun(id).catch(() => undefined)));
  const items = runs.flatMap((run) =>
    run === undefined
      ? []
      : [
          html`<li><a href="${sources.links?.runPage(run, expiresAt)}">${run.owner}/${run.repo}#${String(run.issueNumber)}</a> <span class="muted">${new Date(run.createdAt).toISOString()} by ${run.commenter}</span></li>`,
        ],
  );
  return html`<h2>Recent runs</h2>${items.length === 0 ? html`<p class="muted">No runs yet.</p>` : html`<ul class="tree">${items}</ul>`}`;
}

async function withTimeout<T>(work: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), depthTimeoutMs);
  });
  try {
    return await Promise.race([work.catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
