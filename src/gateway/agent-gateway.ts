// The model gateway a worker serves on loopback to its agents. Each agent's `claude` gets this
// gateway as ANTHROPIC_BASE_URL and a per-agent token as its key; the real key and upstream URL
// stay in the worker. Routes: `HEAD|GET /` (the CLI's probe), `POST /v1/messages` (charged),
// `POST /v1/messages/count_tokens` (forwarded, free), `POST /flotilla/mcp` (the agent's Flotilla
// tools over MCP's Streamable HTTP, run by the injected handler). Anything else is a 404.
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { serveMcpRequest } from "../agent-tools/serve-mcp-request.ts";
import {
  AgentTokens,
  type GatewayAgent,
  type GatewayAgentHooks,
  presentedToken,
  type Registration,
} from "./agent-tokens.ts";
import { sendApiError, sendJson } from "./api-error.ts";
import { forwardModelCall } from "./forward-model-call.ts";
import type { AgentGatewayOptions } from "./gateway-types.ts";
import type { ModelCallSummary } from "./model-call-record.ts";
import { BodyTooLargeError, readBody } from "./read-body.ts";

const defaultMaxRequestBytes = 32 * 1024 * 1024;
const defaultCallsPerAgent = 4;
const maxToolRequestBytes = 1024 * 1024;
const mcpPath = "/flotilla/mcp";

export interface AgentCredential {
  /** The agent's ANTHROPIC_API_KEY. */
  token: string;
  /** The agent's ANTHROPIC_BASE_URL. */
  baseUrl: string;
}

export class AgentGateway {
  private readonly options: AgentGatewayOptions;
  private readonly tokens: AgentTokens;
  private readonly server: Server;

  constructor(options: AgentGatewayOptions) {
    this.options = options;
    this.tokens = new AgentTokens(options.callsPerAgent ?? defaultCallsPerAgent);
    this.server = createServer({ noDelay: true }, (request, response) => {
      this.route(request, response).catch((error: unknown) => {
        options.log?.error({ err: error, path: request.url }, "gateway request failed");
        sendApiError(response, 500, "api_error", "Flotilla's model gateway failed on this request.");
      });
    });
  }

  /** Listens on 127.0.0.1 on a free port. */
  async start(): Promise<void> {
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  get baseUrl(): string {
    const address = this.server.address();
    if (address === null || typeof address === "string") throw new Error("the gateway is not listening");
    return `http://127.0.0.1:${address.port}`;
  }

  /** Issues a token for one run of an agent; it is valid until `unregister`. */
  register(agent: GatewayAgent, hooks: GatewayAgentHooks): AgentCredential {
    return { token: this.tokens.issue(agent, hooks), baseUrl: this.baseUrl };
  }

  /**
   * Ends a token: new calls with it are refused, calls still in flight are stopped and settled.
   * Resolves with what the gateway saw of the agent's calls while the token was valid.
   */
  async unregister(token: string): Promise<ModelCallSummary | undefined> {
    const registration = this.tokens.revoke(token);
    if (registration === undefined) return undefined;
    registration.ended.abort();
    await Promise.allSettled([...registration.inFlight]);
    return registration.calls.summary;
  }

  /** How many agent tokens are valid now. */
  get registeredCount(): number {
    return this.tokens.size;
  }

  private async route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? "/").split("?")[0] ?? "/";
    if (path === "/" && (request.method === "HEAD" || request.method === "GET")) {
      response
        .writeHead(200, { "content-type": "text/plain" })
        .end(request.method === "GET" ? "ok\n" : undefined);
      return;
    }
    const isMessages = path === "/v1/messages";
    const isCount = path === "/v1/messages/count_tokens";
    const isMcp = path === mcpPath;
    if (isMcp && request.method !== "POST") {
      // Stateless MCP: no server-sent stream to open (GET) and no session to end (DELETE).
      response.writeHead(405, { allow: "POST" }).end();
      return;
    }
    if (request.method !== "POST" || (!isMessages && !isCount && !isMcp)) {
      sendApiError(
        response,
        404,
        "not_found_error",
        `Flotilla's model gateway does not serve ${request.method} ${path}.`,
      );
      return;
    }
    const registration = this.tokens.find(presentedToken(request.headers));
    if (registration === undefined) {
      sendApiError(
        response,
        401,
        "authentication_error",
        "Flotilla: this agent token is not valid here (the agent has ended, or the token is wrong).",
      );
      return;
    }
    if (isMcp) {
      await this.serveTools(registration, request, response);
      return;
    }
    await this.serveModelCall(registration, isMessages, request, response);
  }

  private async serveModelCall(
    registration: Registration,
    charged: boolean,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const started = performance.now();
    const limit = this.options.maxRequestBytes ?? defaultMaxRequestBytes;
    let body: Buffer;
    try {
      body = await readBody(request, limit);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      sendApiError(
        response,
        413,
        "request_too_large",
        `Request exceeds the maximum allowed number of bytes (${limit}).`,
      );
      return;
    }
    const forwarding = forwardModelCall(this.options, { registration, request, response, body, charged });
    registration.inFlight.add(forwarding);
    const outcome = await forwarding.finally(() => registration.inFlight.delete(forwarding));
    this.options.onTraffic?.({
      agentId: registration.agent.id,
      installationId: registration.agent.installationId,
      endpoint: charged ? "messages" : "count_tokens",
      status: outcome.status,
      requestBytes: body.length,
      responseBytes: outcome.responseBytes,
      durationMs: performance.now() - started,
    });
  }

  private async serveTools(
    registration: Registration,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const handler = this.options.toolHandler;
    if (handler === undefined) {
      sendApiError(response, 404, "not_found_error", "Flotilla's model gateway offers no tools here.");
      return;
    }
    let message: unknown;
    try {
      message = JSON.parse((await readBody(request, maxToolRequestBytes)).toString("utf8"));
    } catch (error) {
      const tooLarge = error instanceof BodyTooLargeError;
      if (!tooLarge && !(error instanceof SyntaxError)) throw error;
      sendJson(response, tooLarge ? 413 : 400, {
        jsonrpc: "2.0",
        id: null,
        error: {
          code: tooLarge ? -32600 : -32700,
          message: tooLarge
            ? `An MCP request to Flotilla may be at most ${maxToolRequestBytes} bytes.`
            : "The MCP request body is not JSON.",
        },
      });
      return;
    }
    const agentId = registration.agent.id;
    await serveMcpRequest(request, response, message, (tool, input) => handler(agentId, tool, input));
  }
}
