// Flotilla's pages over real HTTP with records and event streams in a real Redis: a signed link
// opens its page and nothing else; refusals say why; everything an agent wrote is escaped; the
// live tail delivers new events and state, and ends when the agent has ended.
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/env.ts";
import { resolveRunSettings } from "../../src/config/run-limits.ts";
import { PageLinks } from "../../src/links/page-links.ts";
import { pageLinkKey, signPageLink } from "../../src/links/page-signature.ts";
import { FlotillaMetrics } from "../../src/ops/metrics.ts";
import { createRedisConnection } from "../../src/redis/redis-connection.ts";
import { AgentEventLog } from "../../src/store/agent-event-log.ts";
import { RunStore } from "../../src/store/run-store.ts";
import { createPageRouter, type PageRouter } from "../../src/web/pages/page-router.ts";
import { testRedisUrl, useTestRedis } from "../support/test-redis.ts";

const webhookSecret = "pages-test-webhook-secret";
const key = pageLinkKey({ pageSecret: undefined, webhookSecret });
if (key === undefined) throw new Error("no key");
const runId = "rpagetest0001";
const hostile = `<img src=x onerror="alert('owned')"><script>alert(1)</script>`;

const testRedis = useTestRedis();
const store = new RunStore(testRedis.redis, testRedis.keys);
const events = new AgentEventLog(testRedis.redis, testRedis.keys);
let server: Server;
let router: PageRouter;
let links: PageLinks;
let base: string;

function serve(routerToServe: PageRouter): Server {
  return createServer((request, response) => {
    void routerToServe.handle(request, response).then((handled) => {
      if (!handled) response.writeHead(404).end();
    });
  });
}

beforeAll(async () => {
  server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  links = new PageLinks({ publicUrl: base, key, ttlMs: 86_400_000 });
  router = createPageRouter({
    store,
    events,
    links,
    key,
    blockingConnection: () => createRedisConnection(testRedisUrl, "blocking"),
    metrics: new FlotillaMetrics("test"),
    log: pino({ level: "silent" }),
    liveBlockMs: 300,
  });
  server.on("request", (request, response) => {
    void router.handle(request, response).then((handled) => {
      if (!handled) response.writeHead(404).end();
    });
  });
  await store.createRun(
    {
      id: runId,
      deliveryId: "pages-delivery",
      installationId: 1,
      owner: "acme",
      repo: "widgets",
      cloneUrl: "https://example.invalid/acme/widgets.git",
      issueNumber: 3,
      isPullRequest: true,
      commentId: 1,
      commentUrl: "javascript:alert(1)",
      commenter: "alice",
      headSha: "b".repeat(40),
      baseBranch: "main",
      createdAt: Date.now(),
      limits: resolveRunSettings(loadConfig({}), {}).limits,
    },
    ["lead", "helper"].map((name) => ({
      id: `${runId}/${name}`,
      runId,
      name,
      depth: 0,
      task: `${name}: ${hostile}`,
      branch: `agents/${runId}/${name}`,
      baseSha: "b".repeat(40),
      sessionId: `session-${name}`,
      budgetTokens: 200_000,
      maxTurns: 10,
      createdAt: Date.now(),
    })),
  );
  await store.updateAgent(`${runId}/lead`, {
    state: "running",
    currentStep: `running Bash: ${hostile}`,
    spentTokens: 50_000,
    host: "worker-host-b",
  });
  await events.append(`${runId}/lead`, [{ kind: "tool", text: `Bash: echo ${hostile}`, at: Date.now() }]);
});

afterAll(async () => {
  router?.close();
  server?.closeAllConnections();
  server?.close();
});

const lead = { id: `${runId}/lead`, runId };

describe("agent pages", () => {
  it("shows an agent's state, spend, task and activity, escaped, readable on a phone, with no secret", async () => {
    const response = await fetch(links.agentPage(lead));
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(page).toContain("🏃 running");
    expect(page).toContain("50.0k of 200k tokens");
    expect(page).toContain("agents/rpagetest0001/lead");
    // Every hostile text is shown as text: no tag or attribute of it survives.
    expect(page).not.toContain("<img src=x");
    expect(page).not.toContain("<script>alert(1)");
    expect(page).toContain(
      "&lt;img src=x onerror=&quot;alert(&#39;owned&#39;)&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;",
    );
    expect(page).not.toContain(webhookSecret);
    expect(page).not.toContain(key.toString("base64url"));
    expect(response.headers.get("content-security-policy")).toMatch(/script-src 'nonce-[^']+'/);
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    expect(response.headers.get("cache-control")).toBe("no-store");
  });

  it("shows the run's tree with signed links to each agent, and never links a javascript: address", async () => {
    const response = await fetch(links.runPage({ id: runId }));
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).not.toContain("javascript:");
    // Which host each agent runs on (the helper has not started: no host yet).
    expect(page).toMatch(
      /rpagetest0001\/lead[\s\S]*running<\/span> on <span data-part="host">worker-host-b<\/span>/,
    );
    const helperLink = /href="([^"]*\/agents\/rpagetest0001\/helper[^"]*)"/.exec(page)?.[1];
    expect(helperLink).toBeDefined();
    const helper = await fetch((helperLink ?? "").replaceAll("&amp;", "&"));
    expect(helper.status).toBe(200);
    expect(await helper.text()).toContain("<h1>helper</h1>");
  });

  it("links each agent's newest check run, on its page and in the run's tree", async () => {
    const newest = "https://github.com/octo/demo/runs/2002";
    await store.updateAgent(`${runId}/helper`, {
      generation: 1,
      checkRunId: 2002,
      checkRunUrl: newest,
      checkRunGeneration: 1,
    });

    const agentPage = await (await fetch(links.agentPage({ id: `${runId}/helper`, runId }))).text();
    const runPage = await (await fetch(links.runPage({ id: runId }))).text();

    expect(agentPage).toContain(`<a data-field="check-run" href="${newest}">on GitHub</a> (attempt 2)`);
    expect(runPage).toContain(`<a data-part="check-run" href="${newest}">check run</a>`);
    expect(runPage.match(/data-part="check-run"/g)).toHaveLength(1);
  });

  it("says in the run's tree what became of a sub-agent's branch in its parent's", async () => {
    // Only the records matter here: the lead's record says it merged the helper with a conflict.
    await store.updateAgent(`${runId}/lead`, {
      childMerges: [
        {
          childId: `${runId}/helper`,
          outcome: "conflicted",
          commit: "c".repeat(40),
          recorded: false,
          files: ["a.ts"],
        },
      ],
    });
    const runPage = await (await fetch(links.runPage({ id: runId }))).text();
    expect(runPage).toContain('<span data-part="merge">conflicted in a.ts, unresolved</span>');
    expect(runPage.match(/data-part="merge"/g)).toHaveLength(1);
    await store.clearAgentFields(`${runId}/lead`, ["childMerges"]);
  });

  it("refuses a missing, changed or expired signature with a 403 that says why", async () => {
    const missing = await fetch(`${base}/agents/${lead.id}`);
    expect(missing.status).toBe(403);
    expect(await missing.text()).toContain("has no signature");
    const tampered = new URL(links.agentPage(lead));
    tampered.pathname = `/agents/${runId}/helper`;
    const changed = await fetch(tampered);
    expect(changed.status).toBe(403);
    expect(await changed.text()).toContain("signature does not match");
    const expiredAt = Math.floor(Date.now() / 1000) - 10;
    const expired = await fetch(
      `${base}/agents/${lead.id}?exp=${expiredAt}&sig=${signPageLink(key, runId, lead.id, expiredAt)}`,
    );
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain("This link expired on");
  });

  it("answers 404 for an agent Flotilla does not know, even with a valid signature", async () => {
    const response = await fetch(links.agentPage({ id: `${runId}/ghost`, runId }));
    expect(response.status).toBe(404);
  });

  it("says pages are off when no secret is configured", async () => {
    const off = createPageRouter({
      store,
      events,
      links: undefined,
      key: undefined,
      blockingConnection: () => createRedisConnection(testRedisUrl, "blocking"),
      metrics: new FlotillaMetrics("test"),
      log: pino({ level: "silent" }),
    });
    const offServer = serve(off);
    offServer.listen(0, "127.0.0.1");
    await once(offServer, "listening");
    const response = await fetch(
      `http://127.0.0.1:${(offServer.address() as AddressInfo).port}/runs/${runId}`,
    );
    expect(response.status).toBe(503);
    expect(await response.text()).toContain("FLOTILLA_PAGE_SECRET");
    offServer.close();
  });
});

describe("the live tail", () => {
  it("streams new events and state as they happen, then ends when the agent has ended", async () => {
    const page = await (await fetch(links.agentPage(lead))).text();
    const eventsPath = /data-events="([^"]+)"/.exec(page)?.[1]?.replaceAll("&amp;", "&");
    expect(eventsPath).toMatch(/^\/agents\/rpagetest0001\/lead\/events\?exp=\d+&sig=[\w-]+&after=\d+-\d+$/);
    const response = await fetch(`${base}${eventsPath}`);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const reader = response.body?.getReader();
    if (reader === undefined) throw new Error("no body");
    let received = "";
    const readUntil = async (pattern: RegExp) => {
      const deadline = Date.now() + 10_000;
      while (!pattern.test(received)) {
        if (Date.now() > deadline) throw new Error(`no ${pattern} in:\n${received}`);
        const { value, done } = await reader.read();
        if (done) break;
        received += new TextDecoder().decode(value);
      }
      return received;
    };
    await readUntil(/event: state/);
    // The event already on the page is not sent again: the tail starts after it.
    expect(received).not.toContain("echo <img");
    await events.append(lead.id, [{ kind: "tool", text: "Bash: npm test <b>now</b>", at: Date.now() }]);
    await readUntil(/npm test/);
    const line = received.split("\n").find((text) => text.startsWith("data: ") && text.includes("npm test"));
    expect(JSON.parse(line?.slice(6) ?? "{}")).toMatchObject({
      kind: "tool",
      text: "Bash: npm test <b>now</b>",
    });
    await store.updateAgent(lead.id, { state: "succeeded", endedAt: Date.now(), currentStep: "" });
    await readUntil(/event: end/);
    expect(received).toContain("✅ succeeded");
    const { done } = await reader.read();
    expect(done).toBe(true);
  });
});
