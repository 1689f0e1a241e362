// Reads a request body into memory up to a bound, so a client cannot make the gateway hold an
// unbounded amount.
import type { IncomingMessage } from "node:http";

export class BodyTooLargeError extends Error {
  constructor(limitBytes: number) {
    super(`The request body is larger than ${limitBytes} bytes.`);
    this.name = "BodyTooLargeError";
  }
}

export async function readBody(request: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(request.headers["content-length"] ?? 0);
  if (declared > limitBytes) throw new BodyTooLargeError(limitBytes);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of request) {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    total += bytes.length;
    if (total > limitBytes) throw new BodyTooLargeError(limitBytes);
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}
