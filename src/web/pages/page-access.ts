// Lets a request see a page only with a valid, unexpired signature for that run (and agent). A
// refused request gets a 403 page that says why and what to do; it never says which part of
// the signature was wrong beyond that, and never shows a secret.
import type { IncomingMessage, ServerResponse } from "node:http";
import { checkPageLink, type LinkProblem } from "../../links/page-signature.ts";
import type { PageContext } from "./page-context.ts";
import { sendMessagePage } from "./page-response.ts";

export interface PageAccess {
  /** Unix seconds; links this page makes to other pages expire then too. */
  expiresAt: number;
}

export function allowPage(
  context: PageContext,
  request: IncomingMessage,
  response: ServerResponse,
  subject: { runId: string; agentId: string },
): PageAccess | undefined {
  if (context.key === undefined || context.links === undefined) {
    sendMessagePage(
      response,
      503,
      "Agent pages are switched off",
      "This Flotilla has no key to sign page links with. Its operator can switch pages on by setting FLOTILLA_PAGE_SECRET (or WEBHOOK_SECRET).",
    );
    return undefined;
  }
  const query = new URL(request.url ?? "/", "http://page.invalid").searchParams;
  const check = checkPageLink(context.key, {
    ...subject,
    expires: query.get("exp"),
    signature: query.get("sig"),
  });
  if (check.ok) return { expiresAt: check.expiresAtMs / 1000 };
  sendMessagePage(
    response,
    403,
    "This link does not open this page",
    explain(check.problem, check.expiresAtMs),
  );
  return undefined;
}

function explain(problem: LinkProblem, expiresAtMs: number | undefined): string {
  const fresh =
    "Open the agent's check run on GitHub and follow its Details link, or the Live view link in the run's tracking comment.";
  switch (problem) {
    case "missing":
      return `This address has no signature, and Flotilla's pages open only from signed links. ${fresh}`;
    case "malformed":
    case "invalid":
      return `This link's signature does not match: the link was changed, cut short, or made for another page. ${fresh}`;
    case "expired":
      return `This link expired on ${new Date(expiresAtMs ?? 0).toUTCString()}. Links last a limited time; a fresh one is written every time Flotilla updates the check run. ${fresh}`;
  }
}
