// A stand-in for the worker's tool endpoint (`POST /flotilla/tools/<tool>`): records every call
// with its headers and JSON body, and answers with whatever the test's handler returns.
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ToolCallRecord {
  tool: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: unknown;
}

interface StubAnswer {
  /** @defaultValue 200 */
  status?: number;
  /** Sent as JSON, unless `raw` is given. */
  json?: unknown;
  raw?: string;
}

export type StubHandler = (call: ToolCallRecord) => StubAnswer;

export class StubToolWorker {
  readonly calls: ToolCallRecord[] = [];
  handler: StubHandler = (call) => ({ json: { text: `stub answer for ${call.tool}` } });
  private readonly server: Server;

  constructor() {
    this.server = createServer((request, response) => {
      void this.record(request).then((call) => {
        if (call === undefined) {
          response.writeHead(404).end();
          return;
        }
        const answer = this.handler(call);
        response.writeHead(answer.status ?? 200, { "content-type": "application/json" });
        response.end(answer.raw ?? JSON.stringify(answer.json));
      });
    });
  }

  async start(): Promise<string> {
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
    return this.url;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  callsOf(tool: string): ToolCallRecord[] {
    return this.calls.filter((call) => call.tool === tool);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async record(request: IncomingMessage): Promise<ToolCallRecord | undefined> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const tool = /^\/flotilla\/tools\/([\w-]+)$/.exec(request.url ?? "")?.[1];
    if (request.method !== "POST" || tool === undefined) return undefined;
    const text = Buffer.concat(chunks).toString("utf8");
    const call: ToolCallRecord = {
      tool,
      authorization: request.headers.authorization,
      contentType: request.headers["content-type"],
      body: text === "" ? undefined : JSON.parse(text),
    };
    this.calls.push(call);
    return call;
  }
}
