// Reads a Messages API event stream while its bytes pass through untouched: `message_start`
// carries the input side and a first output count, each `message_delta` the cumulative counts
// and the stop reason, content deltas the text, an `error` event a failure mid-stream (see
// answer-summary.ts). Only those events are parsed; any line longer than a bound (a huge delta)
// is skipped without being kept, so memory stays small.
import { StringDecoder } from "node:string_decoder";
import { AnswerAccumulator, type AnswerSummary } from "./answer-summary.ts";

/** No event the gateway reads comes near this; longer lines are skipped unread. */
const maxKeptLineChars = 256 * 1024;
const readEvents = new Set([
  "message_start",
  "message_delta",
  "content_block_start",
  "content_block_delta",
  "error",
]);

export class SseAnswerReader {
  private readonly decoder = new StringDecoder("utf8");
  private readonly answer = new AnswerAccumulator();
  private partialLine = "";
  private skippingLine = false;
  private eventName = "";
  private dataLines: string[] = [];

  get summary(): AnswerSummary {
    return this.answer.summary;
  }

  push(chunk: Buffer): void {
    this.consume(this.decoder.write(chunk));
  }

  /** Handles a last event that was not followed by a blank line. */
  end(): void {
    this.consume(this.decoder.end());
    if (this.partialLine !== "" && !this.skippingLine) this.handleLine(this.partialLine);
    this.partialLine = "";
    this.dispatch();
  }

  private consume(text: string): void {
    let start = 0;
    for (;;) {
      const newline = text.indexOf("\n", start);
      if (newline === -1) break;
      const piece = text.slice(start, newline);
      if (this.skippingLine) {
        this.skippingLine = false;
        this.answer.addSkippedContent(piece.length);
      } else this.handleLine(this.partialLine + piece);
      this.partialLine = "";
      start = newline + 1;
    }
    const rest = text.slice(start);
    if (this.skippingLine) {
      this.answer.addSkippedContent(rest.length);
      return;
    }
    this.partialLine += rest;
    if (this.partialLine.length > maxKeptLineChars) {
      this.answer.addSkippedContent(this.partialLine.length);
      this.partialLine = "";
      this.skippingLine = true;
    }
  }

  private handleLine(rawLine: string): void {
    const line = rawLine.endsWith("\r") ? rawLine.slice(0, -1) : rawLine;
    if (line === "") {
      this.dispatch();
      return;
    }
    if (line.startsWith("event:")) this.eventName = line.slice(6).trim();
    else if (line.startsWith("data:")) this.dataLines.push(line.slice(line.startsWith("data: ") ? 6 : 5));
  }

  private dispatch(): void {
    const name = this.eventName;
    const data = this.dataLines.join("\n");
    this.eventName = "";
    this.dataLines = [];
    if (data === "") return;
    // Without an `event:` line, the data's own type decides (the API always sends both).
    if (name !== "" && !readEvents.has(name)) return;
    let event: unknown;
    try {
      event = JSON.parse(data);
    } catch {
      return;
    }
    this.answer.applyEvent(event);
  }
}
