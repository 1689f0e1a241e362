// A stand-in for the real model API behind the gateway: it records every request it receives
// (headers and body) and answers with what the test queued, in chunks of chosen sizes, can hold
// an answer open half-way until the test releases it, and can end an answer early.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import { closeServer, listenOnLoopback, loopbackOrigin } from "./loopback-server.ts";

export interface StubAnswer {
  /** @defaultValue 200 */
  status?: number;
  /** @defaultValue text/event-stream for 200, application/json otherwise */
  headers?: Record<string, string>;
  body: string | Buffer;
  /** Bytes per write; "random" writes 1–7 bytes at a time. @defaultValue whole body at once */
  chunkBytes?: number | "random" | undefined;
  /** Write this many bytes, then hold the answer open until `releaseHeld()`. */
  holdAfterBytes?: number | undefined;
  /** Hold before the status line (a model that has not begun to answer) until `releaseHeld()`. */
  holdBeforeHeaders?: boolean | undefined;
  /**
   * Write only this many bytes of `body`, then end the answer cleanly, as a proxy that lost the
   * model's connection may: the HTTP answer is complete, the message is not.
   */
  endAfterBytes?: number | undefined;
}

export interface StubRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  json: Record<string, unknown> | undefined;
  /** Set when the gateway went away before the answer was complete (an aborted upstream call). */
  aborted: boolean;
  /** Set when the whole answer was written. */
  finished: boolean;
}

export class UpstreamStub {
  readonly requests: StubRequest[] = [];
  private readonly server: Server;
  private answers: StubAnswer[] = [];
  private fallback: StubAnswer = {
    status: 500,
    body: '{"type":"error","error":{"type":"api_error","message":"no answer queued"}}',
  };
  private release: (() => void) | undefined;
  private holding: ((request: StubRequest) => void) | undefined;

  constructor() {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const body = Buffer.concat(chunks);
        const recorded: StubRequest = {
          method: request.method ?? "",
          url: request.url ?? "",
          headers: request.headers,
          body,
          json: parseJson(body),
          aborted: false,
          finished: false,
        };
        this.requests.push(recorded);
        response.on("close", () => {
          if (!recorded.finished) recorded.aborted = true;
        });
        void this.answer(this.answers.shift() ?? this.fallback, recorded, response);
      });
    });
  }

  async start(): Promise<string> {
    await listenOnLoopback(this.server);
    return this.url;
  }

  get url(): string {
    return loopbackOrigin(this.server, "upstream stub");
  }

  async stop(): Promise<void> {
    this.release?.();
    await closeServer(this.server);
  }

  /** Forgets recorded requests and queued answers, and lets a held answer finish. */
  reset(): void {
    this.requests.length = 0;
    this.answers = [];
    this.releaseHeld();
  }

  /** Queues the answers to the next requests, in order. */
  queue(...answers: StubAnswer[]): void {
    this.answers.push(...answers);
  }

  /** Resolves when an answer reaches its hold point. */
  nextHold(): Promise<StubRequest> {
    return new Promise((resolve) => {
      this.holding = resolve;
    });
  }

  releaseHeld(): void {
    const release = this.release;
    this.release = undefined;
    release?.();
  }

  private async answer(answer: StubAnswer, recorded: StubRequest, response: ServerResponse): Promise<void> {
    if (answer.holdBeforeHeaders === true) await this.hold(recorded);
    if (response.destroyed) return;
    const status = answer.status ?? 200;
    const contentType = status === 200 ? "text/event-stream" : "application/json";
    response.writeHead(status, { "content-type": contentType, ...answer.headers });
    response.flushHeaders();
    const whole = Buffer.from(answer.body);
    const body = answer.endAfterBytes === undefined ? whole : whole.subarray(0, answer.endAfterBytes);
    let offset = 0;
    while (offset < body.length && !response.destroyed) {
      if (
        answer.holdAfterBytes !== undefined &&
        offset >= answer.holdAfterBytes &&
        this.release === undefined
      ) {
        await this.hold(recorded);
        answer.holdAfterBytes = undefined;
        continue;
      }
      const size =
        answer.chunkBytes === "random"
          ? 1 + Math.floor(Math.random() * 7)
          : (answer.chunkBytes ?? body.length);
      const limit = answer.holdAfterBytes === undefined ? body.length : answer.holdAfterBytes;
      const end = Math.min(body.length, offset + size, offset < limit ? limit : body.length);
      response.write(body.subarray(offset, end));
      offset = end;
      if (answer.chunkBytes !== undefined) await new Promise((resolve) => setImmediate(resolve));
    }
    if (response.destroyed) return;
    recorded.finished = true;
    response.end();
  }

  /** Waits for releaseHeld(), after telling nextHold() that `recorded` is held. */
  private async hold(recorded: StubRequest): Promise<void> {
    const released = new Promise<void>((resolve) => {
      this.release = resolve;
    });
    this.holding?.(recorded);
    this.holding = undefined;
    await released;
  }
}

function parseJson(body: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body.toString("utf8"));
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
