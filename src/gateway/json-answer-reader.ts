// Reads the usage of a non-streaming Messages API answer (one JSON object) while its bytes pass
// through. The body is kept only up to a bound; a bigger one yields no usage, and the caller
// falls back to an estimate.
import { applyApiUsage, emptyUsage, type MessageUsage } from "./message-usage.ts";

const maxKeptBytes = 16 * 1024 * 1024;

export class JsonUsageReader {
  private readonly chunks: Buffer[] = [];
  private keptBytes = 0;
  private overflowed = false;
  private parsed: { usage: MessageUsage | undefined; model: string | undefined } | undefined;

  push(chunk: Buffer): void {
    if (this.overflowed) return;
    this.keptBytes += chunk.length;
    if (this.keptBytes > maxKeptBytes) {
      this.overflowed = true;
      this.chunks.length = 0;
      return;
    }
    this.chunks.push(chunk);
  }

  end(): void {
    this.parsed = { usage: undefined, model: undefined };
    if (this.overflowed) return;
    try {
      const body = JSON.parse(Buffer.concat(this.chunks).toString("utf8")) as {
        usage?: unknown;
        model?: unknown;
      };
      this.parsed = {
        usage: body.usage === undefined ? undefined : applyApiUsage(emptyUsage, body.usage),
        model: typeof body.model === "string" ? body.model : undefined,
      };
    } catch {
      // Not JSON: nothing to read.
    }
    this.chunks.length = 0;
  }

  get usage(): MessageUsage | undefined {
    return this.parsed?.usage;
  }

  get model(): string | undefined {
    return this.parsed?.model;
  }
}
