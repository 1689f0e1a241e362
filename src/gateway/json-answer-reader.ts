// Reads a non-streaming Messages API answer (one JSON object: a message or an error) while its
// bytes pass through. The body is kept only up to a bound; a bigger one, or one that is not JSON
// (cut off), yields only its size, and the caller falls back to an estimate.
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
    const body = Buffer.concat(this.chunks);
    try {
      this.answer.applyBody(JSON.parse(body.toString("utf8")));
    } catch {
      // Not JSON, most likely cut off: what came counts as content, for the estimate of its cost.
      this.answer.addSkippedContent(body.length);
    }
    this.chunks.length = 0;
  }
}
