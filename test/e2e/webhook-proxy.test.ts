// WEBHOOK_PROXY_URL: a process GitHub cannot reach takes its deliveries from a smee.io channel
// (smee-client, as Probot does) and handles them like direct ones, signature checked. The
// channel here is a small server-sent-events server that speaks smee's format.
import { once } from "node:events";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createE2eEnvironment,
  type E2eEnvironment,
  e2eInstallationId,
  e2eOwner,
  e2ePullNumber,
  e2eRepo,
} from "../support/e2e-environment.ts";
import { waitFor } from "../support/wait-for.ts";
import { issueCommentCreated, signWebhook } from "../support/webhooks.ts";

let world: E2eEnvironment;
const listeners: ServerResponse[] = [];
const channel = createServer((request, response) => {
  response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  response.write(": connected\n\n");
  listeners.push(response);
  request.on("close", () => listeners.splice(listeners.indexOf(response), 1));
});

beforeAll(async () => {
  world = await createE2eEnvironment("webhook-proxy");
  channel.listen(0, "127.0.0.1");
  await once(channel, "listening");
});

afterAll(async () => {
  await world.cleanup();
  channel.closeAllConnections();
  await new Promise<void>((resolve) => channel.close(() => resolve()));
});

describe("WEBHOOK_PROXY_URL", () => {
  it("forwards the channel's deliveries to the webhook path, where they are verified and handled", async () => {
    const { port } = channel.address() as AddressInfo;
    const web = await world.startFlotilla({
      role: "web",
      extraEnv: { WEBHOOK_PROXY_URL: `http://127.0.0.1:${port}/flotilla-channel` },
    });
    expect(web.logs.find((line) => line.startsWith("Flotilla "))).toContain(
      `via http://127.0.0.1:${port}/flotilla-channel`,
    );
    await waitFor(() => (listeners.length > 0 ? true : undefined), { what: "smee-client to connect" });
    const relay = (delivery: { id: string; name: string; payload: unknown }, secret: string) => {
      const body = JSON.stringify(delivery.payload);
      const message = {
        "x-github-event": delivery.name,
        "x-github-delivery": delivery.id,
        "x-hub-signature-256": signWebhook(body, secret),
        "content-type": "application/json",
        body: delivery.payload,
      };
      for (const listener of listeners) listener.write(`data: ${JSON.stringify(message)}\n\n`);
    };
    const comment = (body: string) =>
      issueCommentCreated({
        owner: e2eOwner,
        repo: e2eRepo,
        cloneUrl: world.cloneUrl,
        installationId: e2eInstallationId,
        issueNumber: e2ePullNumber,
        isPullRequest: true,
        body,
        login: "alice",
      });
    // Signed with another secret: refused, no reply.
    relay(comment("/agents help"), "not-the-webhook-secret");
    relay(comment("/agents help"), world.webhookSecret);
    const replies = await waitFor(
      () => {
        const found = world.github.comments(e2eOwner, e2eRepo, e2ePullNumber);
        return found.length > 0 ? found : undefined;
      },
      { what: "the reply to /agents help", timeoutMs: 60_000 },
    );
    expect(replies[0]?.body).toContain("/agents run");
    await web.stop();
    expect(world.github.comments(e2eOwner, e2eRepo, e2ePullNumber)).toHaveLength(1);
  });
});
