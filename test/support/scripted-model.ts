// A stand-in for the Anthropic Messages API that the real `claude` CLI talks to in tests.
// Each agent's task carries a tag `[[script:<name>]]`; the named script decides, turn by turn,
// which text and tool calls the "model" answers with. The CLI then really runs those tools.
// Like the API, it answers count_tokens with the input tokens its answer to the same messages
// will report (the script runs once per step: the turn is kept for the answer), and never
// answers with more output tokens than max_tokens allows.
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { closeServer, listenOnLoopback, loopbackOrigin } from "./loopback-server.ts";

interface ToolCall {
  name: string;
  input: Record<string, unknown>;
}

export interface ModelTurn {
  text?: string;
  toolCalls?: ToolCall[];
  /** Tokens reported in `message_start.usage.input_tokens`. @defaultValue 100 */
  inputTokens?: number;
  /** Tokens reported in `message_delta.usage.output_tokens`. @defaultValue 20 */
  outputTokens?: number;
  /** Milliseconds to wait before answering (to keep an agent busy). @defaultValue 0 */
  delayMs?: number;
  /** Answer only once this settles: keeps an agent busy until the test has done something. */
  holdUntil?: Promise<unknown>;
  /** Answer this request with an HTTP error and the API's JSON error body instead of a message. */
  httpError?: HttpError;
  /** `usage.server_tool_use` of the answer, e.g. `{ web_search_requests: 1 }`. */
  serverToolUse?: Record<string, number>;
}

export interface HttpError {
  /** The status answered; with `dropConnection`, none is (the recorded error keeps it for the test). */
  status: number;
  /** Close the connection without an answer, as an API that is down does: the gateway cannot reach it. */
  dropConnection?: boolean;
  /** The body's `error.type`, e.g. `invalid_request_error`. @defaultValue "api_error" */
  type?: string;
  /** @defaultValue "scripted error" */
  message?: string;
  /** Extra response headers, e.g. `{ "retry-after": "1" }`. */
  headers?: Record<string, string>;
}

export interface ScriptContext {
  /** Text of the first user message: the prompt Flotilla gave the agent. */
  prompt: string;
  /** How many assistant messages the request already holds: 0 on the first call. */
  step: number;
  /** The agent's working directory, read from the system prompt (as the agent sees it). */
  cwd: string;
  /** The same directory on this machine, where the test can look (see `hostPathOf`). */
  hostCwd: string;
  /** Text of the newest user message (tool results are flattened to text). */
  lastUserText: string;
  request: RecordedRequest;
}

export type ModelScript = (context: ScriptContext) => ModelTurn;

export interface RecordedRequest {
  path: string;
  bytes: number;
  apiKey: string | undefined;
  /** When it arrived (ms since the epoch). */
  receivedAt: number;
  /** The `authorization` header (a subscription token is sent as `Bearer …`). */
  authorization: string | undefined;
  sessionId: string | undefined;
  /** The request's `anthropic-beta` values. */
  betas: string[];
  scriptName: string | undefined;
  body: MessagesBody;
}

interface MessagesBody {
  model?: string;
  max_tokens?: number;
  system?: string | { type: string; text?: string }[];
  tools?: { name: string; type?: string }[];
  messages: { role: string; content: string | ContentBlock[] }[];
}

interface ContentBlock {
  type: string;
  text?: string;
  content?: string | ContentBlock[];
}

const scriptTagPattern = /\[\[script:([\w-]+)\]\]/;

export class ScriptedModel {
  readonly requests: RecordedRequest[] = [];
  /** count_tokens requests, in order. */
  readonly countRequests: RecordedRequest[] = [];
  private readonly scripts = new Map<string, ModelScript>();
  /** Turns decided for a count_tokens request, kept for the answer to the same messages. */
  private readonly decidedTurns = new Map<string, ModelTurn>();
  private readonly server: Server;
  private messageCounter = 0;
  private answering = 0;
  /** The most messages requests that were being answered at once. */
  mostAnsweredAtOnce = 0;
  /** While set, messages requests it answers with an error are answered so, whatever their script says. */
  private outage: ((request: RecordedRequest) => HttpError | undefined) | undefined;
  /** Messages requests answered with an error (by a script's turn or an outage), in order. */
  readonly errorsAnswered: { request: RecordedRequest; error: HttpError }[] = [];
  /**
   * Where an agent's cwd is on this machine: a sandboxed agent works in a fixed path bound over
   * its worktree, which only the world that started the workers can find (e2e-environment.ts).
   */
  hostPathOf: (cwd: string, prompt: string) => string = (cwd) => cwd;

  constructor() {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        response.writeHead(500, { "content-type": "application/json" });
        response.end(JSON.stringify({ type: "error", error: { type: "api_error", message: String(error) } }));
      });
    });
  }

  /** Registers the script an agent runs when its task contains `[[script:<name>]]`. */
  script(name: string, script: ModelScript): this {
    this.scripts.set(name, script);
    return this;
  }

  async start(): Promise<string> {
    await listenOnLoopback(this.server);
    return this.url;
  }

  get url(): string {
    return loopbackOrigin(this.server, "scripted model");
  }

  stop(): Promise<void> {
    return closeServer(this.server);
  }

  /**
   * Makes the model API unavailable: each messages request `answer` returns an error for is
   * answered with it (a 429 with reset headers, a 529, a 503 …) until `failRequests(undefined)`.
   */
  failRequests(answer: ((request: RecordedRequest) => HttpError | undefined) | undefined): void {
    this.outage = answer;
  }

  requestsFor(scriptName: string): RecordedRequest[] {
    return this.requests.filter((request) => request.scriptName === scriptName);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = request.url ?? "/";
    if (request.method !== "POST") {
      response.writeHead(request.method === "HEAD" ? 200 : 404).end();
      return;
    }
    const raw = await readBody(request);
    const counting = path.startsWith("/v1/messages/count_tokens");
    if (!counting && !path.startsWith("/v1/messages")) {
      json(response, 404, { type: "error", error: { type: "not_found_error", message: path } });
      return;
    }
    const body = JSON.parse(raw) as MessagesBody;
    const prompt = textOf(body.messages.find((message) => message.role === "user")?.content);
    const scriptName = scriptTagPattern.exec(prompt)?.[1];
    const recorded: RecordedRequest = {
      path,
      bytes: Buffer.byteLength(raw),
      apiKey: headerValue(request, "x-api-key"),
      receivedAt: Date.now(),
      authorization: headerValue(request, "authorization"),
      sessionId: headerValue(request, "x-claude-code-session-id"),
      betas: (headerValue(request, "anthropic-beta") ?? "")
        .split(",")
        .map((beta) => beta.trim())
        .filter((beta) => beta !== ""),
      scriptName,
      body,
    };
    (counting ? this.countRequests : this.requests).push(recorded);
    const key = turnKey(body);
    const turn = this.decidedTurns.get(key) ?? this.decideTurn(body, prompt, scriptName, recorded);
    if (counting) {
      this.decidedTurns.set(key, turn);
      json(response, 200, { input_tokens: turn.inputTokens ?? 100 });
      return;
    }
    this.decidedTurns.delete(key);
    const outageError = this.outage?.(recorded);
    const answered = outageError === undefined ? turn : { ...turn, httpError: outageError };
    this.answering += 1;
    this.mostAnsweredAtOnce = Math.max(this.mostAnsweredAtOnce, this.answering);
    try {
      if (answered.delayMs) await new Promise((resolve) => setTimeout(resolve, answered.delayMs));
      if (answered.holdUntil !== undefined) await answered.holdUntil;
      if (answered.httpError !== undefined) {
        this.errorsAnswered.push({ request: recorded, error: answered.httpError });
        if (answered.httpError.dropConnection === true) {
          request.socket.destroy();
          return;
        }
        const { status, type = "api_error", message = "scripted error", headers = {} } = answered.httpError;
        response.writeHead(status, { "content-type": "application/json", ...headers });
        response.end(JSON.stringify({ type: "error", error: { type, message } }));
        return;
      }
      this.streamTurn(response, answered, body.max_tokens);
    } finally {
      this.answering -= 1;
    }
  }

  private decideTurn(
    body: MessagesBody,
    prompt: string,
    scriptName: string | undefined,
    recorded: RecordedRequest,
  ): ModelTurn {
    const script = scriptName === undefined ? undefined : this.scripts.get(scriptName);
    // Side requests the CLI makes on its own (no tools offered) get a plain short answer.
    if (script === undefined || (body.tools ?? []).length === 0) {
      return { text: script === undefined ? "No script for this prompt." : "ok" };
    }
    const lastUser = [...body.messages].reverse().find((message) => message.role === "user");
    const cwd = workingDirectoryOf(body.system);
    return script({
      prompt,
      step: body.messages.filter((message) => message.role === "assistant").length,
      cwd,
      hostCwd: this.hostPathOf(cwd, prompt),
      lastUserText: textOf(lastUser?.content),
      request: recorded,
    });
  }

  private streamTurn(response: ServerResponse, turn: ModelTurn, maxTokens: number | undefined): void {
    this.messageCounter += 1;
    const messageId = `msg_scripted_${this.messageCounter}`;
    response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const send = (event: string, data: unknown) =>
      response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    send("message_start", {
      type: "message_start",
      message: {
        id: messageId,
        type: "message",
        role: "assistant",
        model: "claude-scripted",
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: turn.inputTokens ?? 100, output_tokens: 1 },
      },
    });
    let index = 0;
    if (turn.text !== undefined) {
      send("content_block_start", {
        type: "content_block_start",
        index,
        content_block: { type: "text", text: "" },
      });
      send("content_block_delta", {
        type: "content_block_delta",
        index,
        delta: { type: "text_delta", text: turn.text },
      });
      send("content_block_stop", { type: "content_block_stop", index });
      index += 1;
    }
    for (const call of turn.toolCalls ?? []) {
      const toolUseId = `toolu_${this.messageCounter}_${index}`;
      send("content_block_start", {
        type: "content_block_start",
        index,
        content_block: { type: "tool_use", id: toolUseId, name: call.name, input: {} },
      });
      send("content_block_delta", {
        type: "content_block_delta",
        index,
        delta: { type: "input_json_delta", partial_json: JSON.stringify(call.input) },
      });
      send("content_block_stop", { type: "content_block_stop", index });
      index += 1;
    }
    // Like the API, never more output than max_tokens allows (it then stops for that reason).
    const wanted = turn.outputTokens ?? 20;
    const outputTokens = maxTokens === undefined ? wanted : Math.min(wanted, maxTokens);
    const stopReason =
      outputTokens < wanted ? "max_tokens" : (turn.toolCalls ?? []).length > 0 ? "tool_use" : "end_turn";
    send("message_delta", {
      type: "message_delta",
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: {
        output_tokens: outputTokens,
        ...(turn.serverToolUse === undefined ? {} : { server_tool_use: turn.serverToolUse }),
      },
    });
    send("message_stop", { type: "message_stop" });
    response.end();
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Which answer a request is for: the same messages of the same model, counted or answered. */
function turnKey(body: MessagesBody): string {
  return createHash("sha256")
    .update(JSON.stringify([body.model, body.messages]))
    .digest("hex");
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function textOf(content: string | ContentBlock[] | undefined): string {
  if (content === undefined) return "";
  if (typeof content === "string") return content;
  return content.map((block) => (block.text ?? "") + textOf(block.content)).join("\n");
}

function workingDirectoryOf(system: MessagesBody["system"]): string {
  const text =
    typeof system === "string" ? system : (system ?? []).map((block) => block.text ?? "").join("\n");
  return /Primary working directory: (.+)/.exec(text)?.[1]?.trim() ?? "";
}
