// Routes requests for Flotilla's pages: /runs/<run>, /agents/<run>/<name> and its live tail
// /agents/<run>/<name>/events. Anything else is left to the next handler (Probot's webhooks).
import type { IncomingMessage, ServerResponse } from "node:http";
import { serveAgentEvents } from "./agent-events-route.ts";
import { serveAgentPage } from "./agent-page.ts";
import { LiveTails } from "./live-tails.ts";
import type { PageContext } from "./page-context.ts";
import { sendMessagePage } from "./page-response.ts";
import { serveRunPage } from "./run-page.ts";

/** Run ids and agent names are slugs; anything else cannot name a record. */
const part = "([A-Za-z0-9][A-Za-z0-9._-]{0,99})";
const runPath = new RegExp(`^/runs/${part}$`);
const agentPath = new RegExp(`^/agents/${part}/${part}$`);
const eventsPath = new RegExp(`^/agents/${part}/${part}/events$`);

export interface PageRouter {
  /** Answers the request if it is for a page; returns whether it did. */
  handle(request: IncomingMessage, response: ServerResponse): Promise<boolean>;
  /** Ends every open live tail (shutdown). */
  close(): void;
}

export function createPageRouter(context: PageContext): PageRouter {
  const tails = new LiveTails();
  const route = (request: IncomingMessage, response: ServerResponse): Promise<void> | undefined => {
    if (request.method !== "GET") return undefined;
    const path = (request.url ?? "/").split("?")[0] ?? "/";
    const run = runPath.exec(path);
    if (run?.[1] !== undefined) return serveRunPage(context, request, response, run[1]);
    const agent = agentPath.exec(path);
    if (agent?.[1] !== undefined && agent[2] !== undefined)
      return serveAgentPage(context, request, response, agent[1], agent[2]);
    const events = eventsPath.exec(path);
    if (events?.[1] !== undefined && events[2] !== undefined)
      return serveAgentEvents(context, tails, request, response, events[1], events[2]);
    return undefined;
  };
  return {
    handle: async (request, response) => {
      const serving = route(request, response);
      if (serving === undefined) return false;
      try {
        await serving;
      } catch (error) {
        context.metrics.error("page");
        context.log.error({ err: error, path: (request.url ?? "").split("?")[0] }, "page failed");
        if (!response.headersSent)
          sendMessagePage(
            response,
            500,
            "Something went wrong",
            "Flotilla could not show this page. Try again in a moment.",
          );
        else response.end();
      }
      return true;
    },
    close: () => tails.closeAll(),
  };
}
