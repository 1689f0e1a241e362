// The webhook endpoint: checks a delivery's signature with Probot's own verification, stores the
// deliveries that can matter in the intake queue and only then answers 200; answers the others
// 200 at once without touching Redis. When Redis cannot take a delivery in time it answers 503,
// so GitHub shows the delivery as failed and it can be redelivered: a 2xx always means stored
// (docs/design.md, invariant 8). The handlers run later, in the delivery consumer.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { StoredDelivery } from "../queue/intake-queue.ts";
import { webhookPath } from "./webhook-path.ts";

export interface WebhookIntakeOptions {
  /** Probot's signature check (`probot.webhooks.verify`): HMAC SHA-256 with WEBHOOK_SECRET. */
  verify: (body: string, signature: string) => Promise<boolean>;
  /** Whether a verified delivery is worth storing (web/delivery-matters.ts). */
  matters: (name: string, payload: unknown) => boolean;
  store: (delivery: StoredDelivery) => Promise<void>;
  /** How long storing may take before the answer is 503 (GitHub waits 10 s). */
  storeTimeoutMs: number;
  log: Logger;
}

/** GitHub caps payloads at 25 MB. */
const maxBodyBytes = 25 * 1024 * 1024;
/** GitHub's delivery ids are GUIDs; anything else is not GitHub (and must not reach a key). */
const deliveryIdPattern = /^[A-Za-z0-9-]{1,100}$/;
const jsonContentType = /^\s*application\/json\s*(?:;|$)/u;

/** Answers requests to the webhook path; returns whether the request was one. */
export function createWebhookIntake(options: WebhookIntakeOptions) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    if ((request.url ?? "/").split("?")[0]?.replace(/\/+$/, "") !== webhookPath) return false;
    if (request.method !== "POST") {
      answer(response, 404, `${webhookPath} takes POSTed webhook deliveries only\n`);
      return true;
    }
    if (!jsonContentType.test(request.headers["content-type"] ?? "")) {
      answer(response, 415, 'webhook deliveries must be sent as "application/json"\n');
      return true;
    }
    const name = header(request, "x-github-event");
    const id = header(request, "x-github-delivery");
    const signature = header(request, "x-hub-signature-256");
    if (name === undefined || id === undefined || signature === undefined) {
      answer(
        response,
        400,
        "required headers missing: x-github-event, x-github-delivery, x-hub-signature-256\n",
      );
      return true;
    }
    const body = await readBody(request);
    if (body === undefined) {
      answer(response, 413, `a webhook payload is at most ${maxBodyBytes} bytes\n`);
      return true;
    }
    if (!(await options.verify(body, signature))) {
      options.log.warn({ deliveryId: id, event: name }, "webhook refused: the signature does not match");
      answer(
        response,
        400,
        "signature does not match event payload and secret (is WEBHOOK_SECRET the app's?)\n",
      );
      return true;
    }
    if (!deliveryIdPattern.test(id)) {
      answer(response, 400, "x-github-delivery is not a GitHub delivery id\n");
      return true;
    }
    const payload = parseJson(body);
    if (payload === undefined) {
      answer(response, 400, "the payload is not a JSON object\n");
      return true;
    }
    if (!options.matters(name, payload)) {
      answer(response, 200, "ok\n");
      return true;
    }
    const stored = await withTimeout(
      options.store({ id, name, payload, receivedAt: Date.now() }),
      options.storeTimeoutMs,
    );
    if (stored !== "stored") {
      options.log.warn({ deliveryId: id, event: name, problem: stored }, "webhook not stored: answered 503");
      answer(
        response,
        503,
        `Flotilla could not store this delivery (${stored}). Check Redis, then redeliver it from the app's advanced settings.\n`,
      );
      return true;
    }
    answer(response, 200, "queued\n");
    return true;
  };
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}

async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > maxBodyBytes) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function parseJson(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value))
      : undefined;
  } catch {
    return undefined;
  }
}

async function withTimeout(storing: Promise<void>, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`Redis did not confirm within ${timeoutMs} ms`), timeoutMs);
  });
  try {
    return await Promise.race([
      storing.then(
        () => "stored",
        (error: unknown) => `Redis refused it: ${error instanceof Error ? error.message : String(error)}`,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function answer(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { "content-type": "text/plain; charset=utf-8" }).end(text);
}
