// Reads a non-streaming Messages API answer (one JSON object: a message or an error) while its
// bytes pass through. The body is kept only up to a bound; a bigger one yields nothing, and the
// caller falls back to an estimate.
import { AnswerAccumulator, type AnswerSummary } from "./answer-summary.ts";

const maxKeptBytes = 16 * 1024 * 1024;

export class JsonAnswerReader {
  private readonly chunks: Buffer[] = [];
  private readonly answer = new AnswerAccumulator();
  private keptBytes = 0;
  private overflowed = false;

  get summary(): AnswerSummary {
    return this.answer.summary;
  }

  push(chunk: Buffer): void {
    if (this.overflowed) return;
    this.keptBytes += chunk.length;
    if (this.keptBytes > maxKeptBytes) {
      this.overflowed = true;
      this.chunks.length = 0;
      this.answer.addSkippedContent(this.keptBytes);
      return;
    }
    this.chunks.push(chunk);
  }

  end(): void {
    if (this.overflowed) return;
    try {
      this.answer.applyBody(JSON.parse(Buffer.concat(this.chunks).toString("utf8")));
    } catch {
      // Not JSON: nothing to read.
    }
    this.chunks.length = 0;
  }
}
