// What the gateway learns from a Messages API answer as it passes through: usage, model, why it
// stopped, the text the model wrote (bounded) and an error it carried. Events and bodies are
// parsed with zod; whatever does not match is ignored, never trusted.
import { z } from "zod";
import { applyApiUsage, emptyUsage, type MessageUsage } from "./message-usage.ts";

/** The longest final text kept; an answer cannot be longer than ~128k tokens anyway. */
export const maxAnswerTextChars = 1_000_000;

export interface AnswerSummary {
  usage: MessageUsage | undefined;
  model: string | undefined;
  /** `end_turn`, `tool_use`, `max_tokens`, …; undefined until the answer says. */
  stopReason: string | undefined;
  /** The answer's text blocks, joined by newlines, at most maxAnswerTextChars. */
  text: string;
  textTruncated: boolean;
  /** An error the answer carried (an `error` event mid-stream, or an error body). */
  error: { type: string; message: string } | undefined;
  /** Characters of generated content seen (text, tool input, thinking): to estimate a cut-off answer. */
  contentChars: number;
}

/**
 * Whether the answer reached its end: the API gave its stop reason (in `message_delta`, or in a
 * whole JSON message), or ended it with an error it reported. An answer whose bytes simply stop,
 * even on a cleanly closed connection (a proxy that lost the model's), is cut off: its usage so
 * far is `message_start`'s, which counts almost none of the output.
 */
export function answerIsWhole(answer: AnswerSummary): boolean {
  return answer.stopReason !== undefined || answer.error !== undefined;
}

const optionalString = z.string().optional().catch(undefined);

const messageStart = z.looseObject({
  type: z.literal("message_start"),
  message: z.looseObject({ model: optionalString, usage: z.unknown() }),
});
const blockStart = z.looseObject({
  type: z.literal("content_block_start"),
  index: z.number().int().nonnegative(),
  content_block: z.looseObject({ type: z.string(), text: optionalString }),
});
const blockDelta = z.looseObject({
  type: z.literal("content_block_delta"),
  index: z.number().int().nonnegative(),
  delta: z.looseObject({
    type: z.string(),
    text: optionalString,
    partial_json: optionalString,
    thinking: optionalString,
  }),
});
const messageDelta = z.looseObject({
  type: z.literal("message_delta"),
  delta: z.looseObject({ stop_reason: z.string().nullable().optional().catch(undefined) }).optional(),
  usage: z.unknown(),
});
const apiError = z.looseObject({ type: z.string(), message: z.string().optional().catch(undefined) });
const errorEvent = z.looseObject({ type: z.literal("error"), error: apiError });

const streamEvent = z.discriminatedUnion("type", [
  messageStart,
  blockStart,
  blockDelta,
  messageDelta,
  errorEvent,
]);

/** A whole (non-streaming) answer that is a message; an error body is shaped like errorEvent. */
const messageBody = z.looseObject({
  model: optionalString,
  stop_reason: z.string().nullable().optional().catch(undefined),
  usage: z.unknown(),
  content: z.array(z.looseObject({ type: z.string(), text: optionalString })),
});

export class AnswerAccumulator {
  private usage: MessageUsage | undefined;
  private model: string | undefined;
  private stopReason: string | undefined;
  private error: AnswerSummary["error"];
  /** Text of each text block, by index; other blocks are absent. */
  private readonly textBlocks = new Map<number, string[]>();
  private textChars = 0;
  private textTruncated = false;
  private contentChars = 0;

  /** Applies one streamed event (already JSON-parsed). */
  applyEvent(value: unknown): void {
    const parsed = streamEvent.safeParse(value);
    if (!parsed.success) return;
    const event = parsed.data;
    switch (event.type) {
      case "message_start":
        this.model = event.message.model ?? this.model;
        if (event.message.usage !== undefined) this.usage = applyApiUsage(emptyUsage, event.message.usage);
        return;
      case "content_block_start":
        if (event.content_block.type === "text") {
          this.textBlocks.set(event.index, []);
          this.addText(event.index, event.content_block.text ?? "");
        }
        return;
      case "content_block_delta": {
        const { text, partial_json: json, thinking } = event.delta;
        this.contentChars += (text?.length ?? 0) + (json?.length ?? 0) + (thinking?.length ?? 0);
        if (event.delta.type === "text_delta" && text !== undefined) this.addText(event.index, text);
        return;
      }
      case "message_delta":
        if (event.delta?.stop_reason) this.stopReason = event.delta.stop_reason;
        if (event.usage !== undefined) this.usage = applyApiUsage(this.usage ?? emptyUsage, event.usage);
        return;
      case "error":
        this.error = { type: event.error.type, message: event.error.message ?? "" };
        return;
    }
  }

  /** Applies a whole non-streaming answer body (already JSON-parsed). */
  applyBody(value: unknown): void {
    const failure = errorEvent.safeParse(value);
    if (failure.success) {
      this.error = { type: failure.data.error.type, message: failure.data.error.message ?? "" };
      return;
    }
    const parsed = messageBody.safeParse(value);
    if (!parsed.success) return;
    const body = parsed.data;
    this.model = body.model ?? this.model;
    this.stopReason = body.stop_reason ?? undefined;
    if (body.usage !== undefined) this.usage = applyApiUsage(emptyUsage, body.usage);
    body.content.forEach((block, index) => {
      if (block.type !== "text") return;
      this.textBlocks.set(index, []);
      this.addText(index, block.text ?? "");
      this.contentChars += block.text?.length ?? 0;
    });
  }

  /** Content the reader had to skip unread (a line too long to keep): counted, not read. */
  addSkippedContent(chars: number): void {
    this.contentChars += chars;
  }

  get summary(): AnswerSummary {
    const text = [...this.textBlocks.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, pieces]) => pieces.join(""))
      .join("\n");
    return {
      usage: this.usage,
      model: this.model,
      stopReason: this.stopReason,
      text,
      textTruncated: this.textTruncated,
      error: this.error,
      contentChars: this.contentChars,
    };
  }

  private addText(index: number, text: string): void {
    const pieces = this.textBlocks.get(index);
    if (pieces === undefined || text === "") return;
    const room = maxAnswerTextChars - this.textChars;
    if (room <= 0) {
      this.textTruncated = true;
      return;
    }
    const kept = text.length > room ? text.slice(0, room) : text;
    if (kept.length < text.length) this.textTruncated = true;
    pieces.push(kept);
    this.textChars += kept.length;
  }
}
