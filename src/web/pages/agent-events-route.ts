// GET /agents/<run>/<name>/events: the agent page's live tail, as server-sent events. `line`
// events carry new entries of the agent's event stream (read with XREAD BLOCK, so they arrive
// as the worker writes them, from any host); `state` events carry the changing parts of the
// page; `end` says the agent has ended and nothing more will come. A reconnecting browser
// resumes after the last entry it saw (Last-Event-ID).
import type { IncomingMessage, ServerResponse } from "node:http";
import { agentIdFor } from "../../store/identifiers.ts";
import { agentSnapshot } from "./agent-snapshot.ts";
import type { LiveTails } from "./live-tails.ts";
import { allowPage } from "./page-access.ts";
import type { PageContext } from "./page-context.ts";

const streamIdPattern = /^\d{1,20}-\d{1,20}$/;
const keepAliveMs = 15_000;

export async function serveAgentEvents(
  context: PageContext,
  tails: LiveTails,
  request: IncomingMessage,
  response: ServerResponse,
  runId: string,
  agentName: string,
): Promise<void> {
  const agentId = agentIdFor(runId, agentName);
  if (allowPage(context, request, response, { runId, agentId }) === undefined) return;
  if ((await context.store.getAgent(agentId)) === undefined) {
    response.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("No such agent\n");
    return;
  }
  if (tails.size >= (context.maxLiveViewers ?? 200)) {
    // EventSource retries after `retry`; by then a viewer may have left.
    response
      .writeHead(503, { "content-type": "text/plain; charset=utf-8", "retry-after": "10" })
      .end("Too many live viewers\n");
    return;
  }
  const log = context.log.child({ runId, agentId });
  response.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-store",
    "x-accel-buffering": "no",
    "referrer-policy": "no-referrer",
  });
  response.write("retry: 3000\n\n");
  const connection = context.blockingConnection();
  let open = true;
  request.on("close", () => {
    open = false;
    connection.disconnect();
  });
  tails.add(response);
  context.metrics.liveViewers.inc();
  let lastId = resumeFrom(request);
  let lastSnapshot = "";
  let lastWriteAt = Date.now();
  const send = (text: string) => {
    response.write(text);
    lastWriteAt = Date.now();
  };
  try {
    while (open && !response.writableEnded) {
      const events = await context.events.readAfter(
        connection,
        agentId,
        lastId,
        context.liveBlockMs ?? 2_000,
      );
      for (const event of events) {
        send(
          `id: ${event.id}\nevent: line\ndata: ${JSON.stringify({ kind: event.kind, text: event.text, at: event.at })}\n\n`,
        );
        lastId = event.id;
      }
      const [agent, runAgents] = await Promise.all([
        context.store.getAgent(agentId),
        context.store.listRunAgents(runId),
      ]);
      if (agent === undefined) break;
      const snapshot = agentSnapshot(agent, runAgents);
      const snapshotText = JSON.stringify(snapshot);
      if (snapshotText !== lastSnapshot) {
        send(`event: state\ndata: ${snapshotText}\n\n`);
        lastSnapshot = snapshotText;
      }
      // The worker writes an agent's last events before its final state: once it has ended and
      // a read found nothing more, the tail is complete.
      if (snapshot.terminal && events.length === 0) {
        send("event: end\ndata: {}\n\n");
        break;
      }
      if (Date.now() - lastWriteAt > keepAliveMs) send(": keep-alive\n\n");
    }
  } catch (error) {
    if (open) {
      context.metrics.error("page");
      log.warn({ err: error }, "live tail of an agent page failed");
    }
  } finally {
    tails.remove(response);
    context.metrics.liveViewers.dec();
    connection.disconnect();
    response.end();
  }
}

function resumeFrom(request: IncomingMessage): string {
  const header = request.headers["last-event-id"];
  const fromHeader = Array.isArray(header) ? header[0] : header;
  const fromQuery = new URL(request.url ?? "/", "http://page.invalid").searchParams.get("after") ?? undefined;
  const candidate = fromHeader ?? fromQuery ?? "0-0";
  return streamIdPattern.test(candidate) ? candidate : "0-0";
}
