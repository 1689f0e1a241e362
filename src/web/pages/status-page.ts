// `/`: a small page that says this is Flotilla and how it is doing: version, role, whether it
// is ready, and the agent queue's depths. It shows nothing secret (no repository, no link).
import type { IncomingMessage, ServerResponse } from "node:http";
import { flotillaVersion } from "../../config/version.ts";
import type { Readiness } from "../../ops/readiness.ts";
import { html } from "./html.ts";
import { sendPage } from "./page-response.ts";

export interface StatusSources {
  role: string;
  readiness: Readiness;
  /** The agent queue's depths by state; may fail while Redis is down. */
  queueDepths: () => Promise<Record<string, number>>;
}

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
  sendPage(response, readiness.ready ? 200 : 503, {
    title: "Flotilla",
    refreshSeconds: request.method === "GET" ? 30 : undefined,
    body: html`<h1>Flotilla</h1>
<dl class="facts"><dt>version</dt><dd>${flotillaVersion}</dd><dt>role</dt><dd>${sources.role}</dd><dt>ready</dt><dd>${readiness.ready ? "yes" : "no"}</dd>${checks}</dl>
<h2>Agent queue</h2>
${queue}
<p class="muted">Agents and runs have pages of their own, linked from their check runs and tracking comments.</p>`,
  });
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
