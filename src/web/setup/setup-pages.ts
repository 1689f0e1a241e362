// The setup flow's two pages: the one with the "Register GitHub App" button (a form that posts
// the manifest to GitHub), and the one after GitHub handed the app back (what to do next).
import type { ServerResponse } from "node:http";
import { html } from "../pages/html.ts";
import { sendPage } from "../pages/page-response.ts";
import type { Manifest } from "./app-manifest.ts";

export function sendRegisterPage(
  response: ServerResponse,
  page: { manifest: Manifest; createAppUrl: string; githubOrigin: string; localWebhooks: boolean },
): void {
  const warning = page.localWebhooks
    ? html`<p><strong>GitHub cannot reach ${page.manifest.hook_attributes.url}.</strong> For a machine GitHub cannot reach (a laptop), make a channel at <a href="https://smee.io/new">smee.io</a>, set <code>WEBHOOK_PROXY_URL</code> to it in <code>.env</code> and restart before you register; on a server, set <code>FLOTILLA_PUBLIC_URL</code> to its public address.</p>`
    : "";
  sendPage(response, 200, {
    title: "Set up Flotilla",
    formActionOrigin: page.githubOrigin,
    body: html`<h1>Set up Flotilla</h1>
<p>Flotilla runs as a GitHub App of your own. Registering creates it on GitHub from <code>app.yml</code>; GitHub then hands this process its id, private key and webhook secret, which are written to <code>.env</code>.</p>
<dl class="facts"><dt>app</dt><dd>${page.manifest.name} (you can rename it on GitHub's page)</dd><dt>webhooks to</dt><dd>${page.manifest.hook_attributes.url}</dd><dt>permissions</dt><dd>${Object.entries(
      page.manifest.default_permissions,
    )
      .map(([name, level]) => `${name}: ${level}`)
      .join(", ")}</dd><dt>events</dt><dd>${page.manifest.default_events.join(", ")}</dd></dl>
${warning}
<form action="${page.createAppUrl}" method="post">
<input type="hidden" name="manifest" value="${JSON.stringify(page.manifest)}">
<p><button type="submit">Register GitHub App</button></p>
</form>
<p class="muted">You also need a model key in <code>.env</code>: <code>ANTHROPIC_API_KEY</code> or <code>CLAUDE_CODE_OAUTH_TOKEN</code>.</p>`,
  });
}

export function sendRegisteredPage(
  response: ServerResponse,
  app: { name: string; htmlUrl: string; envFile: string },
): void {
  sendPage(response, 200, {
    title: "Flotilla is registered",
    body: html`<h1>${app.name} is registered</h1>
<p>Its id, private key and webhook secret are in <code>${app.envFile}</code>.</p>
<ol>
<li><a href="${`${app.htmlUrl}/installations/new`}">Install it</a> on the repositories agents may work on.</li>
<li>Restart Flotilla (Ctrl-C, then <code>./flotilla start</code>); <code>./flotilla doctor</code> checks everything it needs.</li>
<li>Comment <code>/agents help</code> on a pull request.</li>
</ol>`,
  });
}
