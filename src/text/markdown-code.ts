// Puts text into markdown code (spans and blocks) that nothing inside can break out of, so
// echoing what someone wrote in a reply cannot add links, formatting or @-mentions, nor hide
// characters.
import { revealInvisibleCharacters } from "./invisible-characters.ts";
import { truncate } from "./truncate.ts";

/** `text` as one markdown code span, on one line, at most `maxLength` characters of it. */
export function inlineCode(text: string, maxLength = 80): string {
  const shown = truncate(
    revealInvisibleCharacters(text.slice(0, maxLength + 1)).replace(/\s+/g, " "),
    maxLength,
  );
  if (shown.trim() === "") return "(nothing)";
  const longestRun = Math.max(0, ...(shown.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longestRun + 1);
  // A span that starts or ends with a backtick or space needs a space inside its fence (CommonMark).
  const padding = /^[`\s]|[`\s]$/.test(shown) ? " " : "";
  return `${fence}${padding}${shown}${padding}${fence}`;
}

/** `text` as a fenced code block whose fence no line inside can close. */
export function codeBlock(text: string, language = ""): string {
  const longestRun = Math.max(0, ...(text.match(/`{3,}/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(Math.max(3, longestRun + 1));
  return `${fence}${language}\n${text}\n${fence}`;
}
