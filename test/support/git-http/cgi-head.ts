// The head of a CGI response (`Status:` and header lines, then a blank line) as `git
// http-backend` writes it, read off its stdout so the body can be streamed on as it comes.
import type { Readable } from "node:stream";

export interface CgiHead {
  status: number;
  headers: Record<string, string>;
  /** Body bytes that arrived together with the head. */
  bodyStart: Buffer;
}

/** Reads up to the blank line and leaves `stream` paused at the body. */
export function readCgiHead(stream: Readable): Promise<CgiHead> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const crlf = buffered.indexOf("\r\n\r\n");
      const lf = buffered.indexOf("\n\n");
      const end = crlf >= 0 && (lf < 0 || crlf < lf) ? { at: crlf, length: 4 } : { at: lf, length: 2 };
      if (end.at < 0) return;
      stream.off("data", onData);
      stream.off("end", onEnd);
      stream.pause();
      resolve({
        ...parseHead(buffered.subarray(0, end.at).toString("latin1")),
        bodyStart: buffered.subarray(end.at + end.length),
      });
    };
    const onEnd = () => reject(new Error("git http-backend ended before it wrote its headers"));
    stream.on("data", onData);
    stream.once("end", onEnd);
    stream.once("error", reject);
  });
}

function parseHead(text: string): Omit<CgiHead, "bodyStart"> {
  let status = 200;
  const headers: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "status") status = Number.parseInt(value, 10) || 500;
    else headers[name] = value;
  }
  return { status, headers };
}
