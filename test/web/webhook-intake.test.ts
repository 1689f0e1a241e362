// The webhook intake in this process, over real HTTP and a real Redis: what it stores (only what
// a registered handler will look at, once per delivery id), what it answers without touching
// Redis, and that a bad signature is refused with nothing stored. The handlers' work after the
// answer is the delivery consumer's (test/e2e/webhook-intake.test.ts, test/web/*).
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { Probot } from "probot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IntakeQueue } from "../../src/queue/intake-queue.ts";
import { createRedisConnection } from "../../src/redis/redis-connection.ts";
import { deliveryMatters } from "../../src/web/delivery-matters.ts";
import { handledEvents } from "../../src/web/handled-events.ts";
import { createWebhookIntake } from "../../src/web/webhook-intake.ts";
import { testAppCredentials } from "../support/app-credentials.ts";
import { createTestRedis, type TestRedis, testRedisUrl } from "../support/test-redis.ts";
import { checkRunRequestedAction, issueCommentCreated, postWebhook } from "../support/webhooks.ts";

const secret = "intake-test-secret";
const target = { owner: "octo-org", repo: "demo", cloneUrl: "https://github.example/octo-org/demo.git" };
let redis: TestRedis;
let intake: IntakeQueue;
let server: Server;
let url = "";
const failFast = createRedisConnection(testRedisUrl, "fail-fast");

/** The events a Flotilla-like app registers, plus a whole event (every action of it). */
const handled = handledEvents((app) => {
  app.on("issue_comment.created", async () => {});
  app.on(["check_run.requested_action", "pull_request_review_comment.created"], async () => {});
  app.on("installation_repositories", async () => {});
});

beforeAll(async () => {
  redis = createTestRedis();
  intake = new IntakeQueue(failFast, redis.prefix);
  const credentials = testAppCredentials();
  const probot = new Probot({ appId: credentials.appId, privateKey: credentials.privateKey, secret });
  await probot.ready();
  const handle = createWebhookIntake({
    verify: (body, signature) => probot.webhooks.verify(body, signature),
    matters: (name, payload) => deliveryMatters(handled, name, payload),
    store: (delivery) => intake.add(delivery),
    storeTimeoutMs: 500,
    log: pino({ level: "silent" }),
  });
  server = createServer((request, response) => {
    void handle(request, response).then((handled) => {
      if (!handled) response.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/github/webhooks`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await intake.close();
  failFast.disconnect();
  await redis.cleanup();
});

function comment(body: string, options: { userType?: "Bot" | "User" } = {}) {
  return issueCommentCreated({
    ...target,
    installationId: 1,
    issueNumber: 7,
    isPullRequest: true,
    body,
    login: options.userType === "Bot" ? "some-app[bot]" : "alice",
    ...(options.userType === undefined ? {} : { userType: options.userType }),
  });
}

async function post(delivery: { id: string; name: string; payload: unknown }, key = secret) {
  const response = await postWebhook(url, delivery, key);
  return { status: response.status, text: await response.text() };
}

describe("webhook intake", () => {
  it("stores a command before answering 200, and a redelivery of it adds nothing", async () => {
    const delivery = comment("Please:\n/agents run fix the login");
    const stored = await intake.storedCount();
    expect(await post(delivery)).toEqual({ status: 200, text: "queued\n" });
    expect(await intake.state(delivery.id)).toBe("pending");
    expect(await post(delivery)).toEqual({ status: 200, text: "queued\n" });
    expect(await intake.storedCount()).toBe(stored + 1);
    const backlog = await intake.backlog();
    expect(backlog.depth).toBeGreaterThanOrEqual(1);
    expect(backlog.oldestAgeMs).toBeGreaterThanOrEqual(0);
  });

  it("answers ordinary, quoted, fenced and bot comments without storing them", async () => {
    const stored = await intake.storedCount();
    for (const delivery of [
      comment("Looks good to me!"),
      comment("> /agents run quoted, not a command"),
      comment("```\n/agents run in a code block\n```"),
      comment("/agents run from a bot", { userType: "Bot" }),
    ]) {
      expect(await post(delivery)).toEqual({ status: 200, text: "ok\n" });
      expect(await intake.state(delivery.id)).toBe("absent");
    }
    expect(await intake.storedCount()).toBe(stored);
  });

  it("stores every event a handler registered for, and nothing of the others", async () => {
    const button = checkRunRequestedAction({
      ...target,
      installationId: 1,
      checkRunId: 9,
      externalId: "r1.agent",
      identifier: "cancel",
      headSha: "a".repeat(40),
      login: "alice",
    });
    expect((await post(button)).status).toBe(200);
    expect(await intake.state(button.id)).toBe("pending");
    // A whole event registered: any action of it.
    const removed = { id: randomUUID(), name: "installation_repositories", payload: { action: "removed" } };
    expect((await post(removed)).status).toBe(200);
    expect(await intake.state(removed.id)).toBe("pending");
    // No handler for these.
    const edited = {
      ...comment("/agents run edited"),
      payload: { ...comment("x").payload, action: "edited" },
    };
    const opened = { id: randomUUID(), name: "issues", payload: { action: "opened" } };
    for (const delivery of [edited, opened]) {
      expect(await post(delivery)).toEqual({ status: 200, text: "ok\n" });
      expect(await intake.state(delivery.id)).toBe("absent");
    }
  });

  it("refuses a delivery with a wrong signature, storing nothing", async () => {
    const delivery = comment("/agents run something sneaky");
    const answer = await post(delivery, "not-the-secret");
    expect(answer.status).toBe(400);
    expect(answer.text).toContain("signature does not match");
    expect(await intake.state(delivery.id)).toBe("absent");
  });

  it("refuses what is not a GitHub delivery: other methods, content types, missing headers", async () => {
    expect((await fetch(url)).status).toBe(404);
    const plain = await fetch(url, { method: "POST", headers: { "content-type": "text/plain" }, body: "{}" });
    expect(plain.status).toBe(415);
    const bare = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(bare.status).toBe(400);
  });
});
