// One HTTP request, start to end: log it, fail it on purpose when a fault matches, route it under
// `/api/v3`, check the credentials GitHub would require, check it against GitHub's OpenAPI
// description, run the route, answer JSON, and record any rule the request broke.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AppAuth, Caller } from "./app-auth.ts";
import type { FaultQueue } from "./faults.ts";
import { badCredentials, invalidRequest, type Reply } from "./replies.ts";
import type { RequestLogEntry, Violation } from "./request-log.ts";
import { validateRequest } from "./request-validation.ts";
import { matchRoute, type Route } from "./router.ts";

export const apiPrefix = "/api/v3";

export interface ServingParts {
  routes: readonly Route[];
  auth: AppAuth;
  faults: FaultQueue;
  log: RequestLogEntry[];
  violations: Violation[];
}

export async function serveRequest(
  server: ServingParts,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const url = new URL(request.url ?? "/", "http://fake.invalid");
  const method = request.method ?? "GET";
  const underApi = url.pathname.startsWith(`${apiPrefix}/`);
  const path = underApi ? url.pathname.slice(apiPrefix.length) : url.pathname;
  const caller = server.auth.identify(header(request, "authorization"));
  const entry: RequestLogEntry = {
    method,
    path,
    query: url.search.slice(1),
    time: Date.now(),
    status: 0,
    auth: caller.kind,
    installationId: caller.kind === "installation-token" ? caller.installationId : undefined,
    installationToken: caller.kind === "installation-token" ? caller.token : undefined,
    outcome: "handled",
  };
  server.log.push(entry);
  const raw = await readBody(request);
  const { reply, outcome, body } = await answer(server, {
    method,
    path,
    underApi,
    url,
    caller,
    raw,
    request,
  });
  entry.status = reply.status;
  entry.outcome = outcome;
  if (reply.violation !== undefined) {
    server.violations.push({ method, path, rule: reply.violation, body, time: entry.time });
  }
  response.writeHead(reply.status, {
    "content-type": "application/json; charset=utf-8",
    "x-github-media-type": "github.v3; format=json",
    "x-github-api-version-selected": "2022-11-28",
    "x-github-request-id": `FAKE:${server.log.length}`,
    ...reply.headers,
  });
  response.end(reply.text ?? (reply.body === undefined ? "" : JSON.stringify(reply.body)));
}

interface Incoming {
  method: string;
  path: string;
  underApi: boolean;
  url: URL;
  caller: Caller;
  raw: string;
  request: IncomingMessage;
}

interface Answer {
  reply: Reply;
  outcome: RequestLogEntry["outcome"];
  /** The parsed request body (for the record of a violation). */
  body?: unknown;
}

async function answer(server: ServingParts, incoming: Incoming): Promise<Answer> {
  const { method, path, caller } = incoming;
  const injected = server.faults.take(method, path);
  if (injected) return { reply: injected, outcome: "injected-fault" };

  const matched = incoming.underApi ? safeMatch(server.routes, method, path) : undefined;
  if (matched === undefined) {
    const body = { message: "Not Found", documentation_url: "https://docs.github.com/rest", status: "404" };
    // Without a route the stand-in cannot say what GitHub would do: the test's evidence has a hole.
    return {
      reply: {
        status: 404,
        body: { ...body, unhandled: `${method} ${path}` },
        violation: `the stand-in GitHub has no route for ${method} ${path}`,
      },
      outcome: "unhandled",
    };
  }
  if (matched.route.auth !== "none" && caller.kind !== matched.route.auth) {
    const jwtExpected = matched.route.auth === "app-jwt" && caller.kind === "installation-token";
    const reply: Reply = jwtExpected
      ? { status: 401, body: { message: "A JSON web token could not be decoded", status: "401" } }
      : badCredentials();
    return { reply, outcome: "unauthorized" };
  }

  let body: unknown;
  try {
    body = incoming.raw.length > 0 ? JSON.parse(incoming.raw) : undefined;
  } catch {
    return {
      reply: {
        status: 400,
        body: { message: "Problems parsing JSON", status: "400" },
        violation: "Problems parsing JSON",
      },
      outcome: "invalid",
    };
  }
  const checked = await validateRequest({ method, path, query: incoming.url.searchParams, body });
  if (!checked.ok) {
    const reply =
      checked.operationId === undefined
        ? { status: 404, body: { message: "Not Found", status: "404" }, violation: checked.message }
        : invalidRequest(checked.message);
    return { reply, outcome: "invalid", body };
  }
  const { route, params } = matched;
  const param = (name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`route ${route.pattern} has no :${name}`);
    return value;
  };
  const accept = header(incoming.request, "accept") ?? "";
  try {
    const reply = await route.handler({ param, query: incoming.url.searchParams, body, accept, caller });
    return { reply, outcome: "handled", body };
  } catch (error) {
    // A bug in the fake, not GitHub behaviour: make it visible to the test.
    return {
      reply: {
        status: 500,
        body: { message: `fake GitHub failed: ${String(error)}` },
        violation: `the stand-in GitHub failed: ${String(error)}`,
      },
      outcome: "fake-error",
      body,
    };
  }
}

function safeMatch(routes: readonly Route[], method: string, path: string) {
  try {
    return matchRoute(routes, method, path);
  } catch {
    return undefined; // a malformed %-escape in the path
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
