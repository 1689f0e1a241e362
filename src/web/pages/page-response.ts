// Sends a whole HTML page: the common head (readable on a phone without zoom), the styles, an
// optional inline script allowed by a per-response nonce, and headers that keep the signed
// address private (no Referer) and the page out of caches and frames.
import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import { html, SafeHtml } from "./html.ts";

export interface PageContent {
  title: string;
  body: SafeHtml;
  /** Inline JavaScript for the page (trusted: written by Flotilla, never from data). */
  script?: string;
  /** Reload the page after this many seconds (the Refresh header). */
  refreshSeconds?: number | undefined;
  /** Where the page's forms may post (the setup page's to GitHub); nowhere when absent. */
  formActionOrigin?: string;
}

const styles = `
:root { color-scheme: light dark; --muted: #6a737d; --line: #d0d7de; --ok: #1a7f37; --bad: #cf222e; }
* { box-sizing: border-box; }
body { margin: 0 auto; padding: 1rem; max-width: 60rem; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; overflow-wrap: anywhere; }
h1 { font-size: 1.4rem; margin: 0.2rem 0 0.6rem; }
h2 { font-size: 1.1rem; margin: 1.4rem 0 0.4rem; }
a { color: #0969da; }
code, pre, .events { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.9rem; }
pre { white-space: pre-wrap; margin: 0; padding: 0.6rem; border: 1px solid var(--line); border-radius: 6px; max-height: 30rem; overflow: auto; }
.muted { color: var(--muted); }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 0.8rem; margin: 0; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; }
progress { width: 100%; height: 0.6rem; }
.tree { list-style: none; padding: 0; margin: 0; }
.tree li { padding: 0.3rem 0; border-bottom: 1px solid var(--line); }
.tree .current { font-weight: 600; }
.events { list-style: none; padding: 0; margin: 0; border: 1px solid var(--line); border-radius: 6px; max-height: 32rem; overflow-y: auto; }
.events li { padding: 0.25rem 0.5rem; border-bottom: 1px solid var(--line); white-space: pre-wrap; }
.events time { color: var(--muted); margin-right: 0.4rem; }
.event-result_error { color: var(--bad); }
.event-end { font-weight: 600; }
.live { font-size: 0.9rem; }
.live.on::before { content: "● "; color: var(--ok); }
footer { margin-top: 2rem; font-size: 0.85rem; color: var(--muted); }
`;

// Styles and scripts are Flotilla's own constants; data reaches scripts only through escaped
// data- attributes, never inside <script>.
const trustedStyles = new SafeHtml(styles);

function trusted(script: string): SafeHtml {
  if (/<\/script/i.test(script)) throw new Error("An inline page script must not contain </script>");
  return new SafeHtml(script);
}

export function sendPage(response: ServerResponse, status: number, page: PageContent): void {
  const nonce = randomBytes(16).toString("base64");
  const document = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${page.title}</title>
<style nonce="${nonce}">${trustedStyles}</style>
</head>
<body>
${page.body}
${page.script === undefined ? "" : html`<script nonce="${nonce}">${trusted(page.script)}</script>`}
</body>
</html>
`;
  response.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "content-security-policy": `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action ${page.formActionOrigin ?? "'none'"}; frame-ancestors 'none'`,
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "cache-control": "no-store",
    ...(page.refreshSeconds === undefined ? {} : { refresh: String(page.refreshSeconds) }),
  });
  response.end(document.value);
}

/** A page that only says something: not found, forbidden and why, switched off. */
export function sendMessagePage(
  response: ServerResponse,
  status: number,
  title: string,
  message: string,
): void {
  sendPage(response, status, { title, body: html`<h1>${title}</h1><p>${message}</p>` });
}
