// Safe readers for the untyped JSON of a stream line, and the text caps applied to events.
// Nothing here throws on a value of the wrong shape: it falls back to an empty or zero value.
import { oneLine } from "../text/one-line.ts";
import { truncate } from "../text/truncate.ts";
import type { TokenUsage } from "./stream-events.ts";

export type JsonRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function recordOf(value: unknown): JsonRecord {
  return isRecord(value) ? value : {};
}

export function stringOf(value: unknown, fallback = ""): string {
  return typeof value === "string" ? value : fallback;
}

export function numberOf(value: unknown, fallback = 0): number {
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}

export function nullableNumberOf(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

export function nullableStringOf(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

export function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function usageOf(value: unknown): TokenUsage {
  const usage = recordOf(value);
  return {
    inputTokens: numberOf(usage.input_tokens),
    outputTokens: numberOf(usage.output_tokens),
    cacheCreationInputTokens: numberOf(usage.cache_creation_input_tokens),
    cacheReadInputTokens: numberOf(usage.cache_read_input_tokens),
  };
}

/**
 * The text of a tool result's `content` (a string, or blocks of text and images), capped.
 * Stops reading blocks once the cap is reached, so a huge result costs little.
 */
export function contentPreview(content: unknown, maxChars: number): string {
  if (typeof content === "string") return truncate(content, maxChars);
  const parts: string[] = [];
  let length = 0;
  for (const block of arrayOf(content)) {
    if (length > maxChars) break;
    const record = recordOf(block);
    const part = record.type === "text" ? stringOf(record.text) : record.type === "image" ? "[image]" : "";
    if (part === "") continue;
    const capped = truncate(part, maxChars + 1);
    parts.push(capped);
    length += capped.length + 1;
  }
  return truncate(parts.join("\n"), maxChars);
}

// A Map, not an object literal: a tool named "constructor" must not find Object's own members.
const summaryKeysByTool = new Map<string, string[]>([
  ["Bash", ["command"]],
  ["Read", ["file_path"]],
  ["Write", ["file_path"]],
  ["Edit", ["file_path"]],
  ["MultiEdit", ["file_path"]],
  ["NotebookEdit", ["notebook_path"]],
  ["Agent", ["description", "prompt"]],
  ["Task", ["description", "prompt"]],
  ["Grep", ["pattern"]],
  ["Glob", ["pattern"]],
  ["WebFetch", ["url"]],
  ["WebSearch", ["query"]],
]);
const commonSummaryKeys = [
  "command",
  "file_path",
  "path",
  "url",
  "query",
  "pattern",
  "description",
  "prompt",
];

/** A one-line description of a tool call's input: the Bash command, the file path, … */
export function summarizeToolInput(name: string, input: unknown, maxChars: number): string {
  const record = recordOf(input);
  for (const key of summaryKeysByTool.get(name) ?? commonSummaryKeys) {
    const value = record[key];
    if (typeof value === "string" && value.trim() !== "") return oneLine(value, maxChars);
  }
  return oneLine(describeFields(record, maxChars), maxChars);
}

/** `key=value` pairs of the top-level fields, without serializing nested values in full. */
function describeFields(record: JsonRecord, maxChars: number): string {
  const parts: string[] = [];
  let length = 0;
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    if (length > maxChars) break;
    const value = record[key];
    const shown =
      typeof value === "string"
        ? JSON.stringify(truncate(value, maxChars))
        : Array.isArray(value)
          ? "[…]"
          : isRecord(value)
            ? "{…}"
            : String(value);
    const part = `${truncate(key, 40)}=${shown}`;
    parts.push(part);
    length += part.length + 1;
  }
  return parts.join(" ");
}
