// Reads the usage out of a Messages API event stream while the bytes pass through untouched:
// `message_start` carries the input side and a first output count, each `message_delta` the
// cumulative counts so far. Only those events are parsed; any line longer than a bound (big
// text or tool-input deltas) is skipped without being kept, so memory stays small.
import { StringDecoder } from "node:string_decoder";
import { applyApiUsage, emptyUsage, type MessageUsage } from "./message-usage.ts";

/** No usage event comes near this; longer lines are content and are dropped unread. */
const maxKeptLineChars = 256 * 1024;
const usageEvents = new Set(["message_start", "message_delta"]);

export class SseUsageReader {
  private readonly decoder = new StringDecoder("utf8");
  private partialLine = "";
  private skippingLine = false;
  private eventName = "";
  private dataLines: string[] = [];
  private current: MessageUsage = emptyUsage;
  private sawUsage = false;
  private modelName: string | undefined;

  /** The usage seen so far, or undefined when no usage event has arrived. */
  get usage(): MessageUsage | undefined {
    return this.sawUsage ? this.current : undefined;
  }

  /** The model named in `message_start`, if any. */
  get model(): string | undefined {
    return this.modelName;
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
      if (this.skippingLine) this.skippingLine = false;
      else this.handleLine(this.partialLine + piece);
      this.partialLine = "";
      start = newline + 1;
    }
    if (this.skippingLine) return;
    this.partialLine += text.slice(start);
    if (this.partialLine.length > maxKeptLineChars) {
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
    // Without an `event:` line, look at the data's own type (the API always sends both).
    if (name !== "" && !usageEvents.has(name)) return;
    if (name === "" && !data.includes('"message_')) return;
    let event: unknown;
    try {
      event = JSON.parse(data);
    } catch {
      return;
    }
    this.apply(event);
  }

  private apply(event: unknown): void {
    if (typeof event !== "object" || event === null) return;
    const { type, message, usage } = event as { type?: unknown; message?: unknown; usage?: unknown };
    if (type === "message_start" && typeof message === "object" && message !== null) {
      const { usage: startUsage, model } = message as { usage?: unknown; model?: unknown };
      if (typeof model === "string") this.modelName = model;
      if (startUsage !== undefined) {
        this.current = applyApiUsage(emptyUsage, startUsage);
        this.sawUsage = true;
      }
    } else if (type === "message_delta" && usage !== undefined) {
      this.current = applyApiUsage(this.current, usage);
      this.sawUsage = true;
    }
  }
}
