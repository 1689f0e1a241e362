// Errors the gateway itself answers with, shaped like the Messages API's own
// (`{"type":"error","error":{"type":…,"message":…}}`), so the CLI reports their message.
import type { ServerResponse } from "node:http";

export type ApiErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "not_found_error"
  | "request_too_large"
  | "api_error";

export function sendApiError(
  response: ServerResponse,
  status: number,
  type: ApiErrorType,
  message: string,
  extraHeaders: Record<string, string> = {},
): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const body = JSON.stringify({ type: "error", error: { type, message } });
  response.writeHead(status, {
    ...extraHeaders,
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
  });
  response.end(body);
}

export function sendJson(response: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value ?? null);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
  });
  response.end(body);
}
