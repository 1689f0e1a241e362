// Fenced code blocks (``` or ~~~, three or more) as GitHub's markdown reads them: text inside
// is shown literally, so it is never a command and never holds hidden HTML.

export interface Fence {
  marker: "`" | "~";
  length: number;
}

const OPENING = /^\s*(`{3,}|~{3,})(.*)$/s;

/** The fence `line` opens, or null. Leading whitespace of any width is allowed (list items indent fences). */
export function openingFence(line: string): Fence | null {
  const match = OPENING.exec(line);
  const run = match?.[1];
  if (run === undefined) return null;
  const marker = run.startsWith("`") ? "`" : "~";
  // A backtick fence's info string may not hold backticks, or "```a```" would be inline code.
  if (marker === "`" && (match?.[2] ?? "").includes("`")) return null;
  return { marker, length: run.length };
}

/** Whether `line` closes `fence`: the same marker, at least as long, nothing after it but spaces. */
export function closesFence(line: string, fence: Fence): boolean {
  const trimmed = line.trim();
  if (trimmed.length < fence.length) return false;
  for (const char of trimmed) if (char !== fence.marker) return false;
  return true;
}
