// Cutting text to a size without splitting a character: the one place that knows a UTF-16
// surrogate pair (an emoji, say) must not be cut in half, for limits counted in UTF-16 units
// ("chars", as JavaScript strings and GitHub's comment limits count) or in UTF-8 bytes.

export type TextUnit = "bytes" | "chars";

/** The longest start of `text` that fits `max` units, never splitting a character. */
export function prefixWithin(text: string, max: number, unit: TextUnit = "chars"): string {
  if (max <= 0) return "";
  if (unit === "bytes") {
    // encodeInto writes whole characters only; `read` is how many UTF-16 units it took.
    const { read } = new TextEncoder().encodeInto(text, new Uint8Array(max));
    return text.slice(0, read);
  }
  const cut = text.slice(0, max);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

/** `text` cut to at most `maxChars` UTF-16 units, the cut marked with "…" (counted in `maxChars`). */
export function truncate(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  if (maxChars <= 0) return "";
  return `${prefixWithin(text, maxChars - 1)}…`;
}
