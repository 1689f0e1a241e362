// GitHub's size limits for the texts Flotilla writes, and cutting text to them without breaking
// Markdown: an open code fence is closed and a visible marker says where the rest is.

export const checkRunTextLimit = 65_535;
export const commentBodyLimit = 65_536;

export function truncateMarkdown(text: string, maxChars: number, moreAt?: string): string {
  if (text.length <= maxChars) return text;
  const marker = `\n\n… truncated (${text.length.toLocaleString("en-US")} characters in all)${
    moreAt === undefined ? "" : `: the whole text is at ${moreAt}`
  }.`;
  const fenceCloser = "\n```";
  let cut = text.slice(0, Math.max(0, maxChars - marker.length - fenceCloser.length));
  // Do not end in the middle of a surrogate pair.
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  const openFence = countFences(cut) % 2 === 1;
  return `${cut}${openFence ? fenceCloser : ""}${marker}`;
}

function countFences(text: string): number {
  return (text.match(/^ {0,3}(```|~~~)/gm) ?? []).length;
}

/** A one-line excerpt: whitespace collapsed, cut to `maxChars` with an ellipsis. */
export function oneLine(text: string, maxChars: number): string {
  const collapsed = text.replace(/\s+/g, " ").trim();
  return collapsed.length <= maxChars ? collapsed : `${collapsed.slice(0, maxChars - 1)}…`;
}

/** Text safe inside a Markdown inline code span or table cell. */
export function escapeTableCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

export function formatTokens(tokens: number): string {
  if (tokens >= 1_000_000) return `${(tokens / 1_000_000).toFixed(tokens >= 10_000_000 ? 0 : 1)}M`;
  if (tokens >= 1_000) return `${(tokens / 1_000).toFixed(tokens >= 100_000 ? 0 : 1)}k`;
  return String(tokens);
}
