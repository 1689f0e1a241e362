// GitHub's size limits for the texts Flotilla writes, and cutting text to them without breaking
// Markdown: an open code fence or HTML comment is closed, and a visible marker says the text was
// cut and links to the page that has all of it.
import { prefixWithin, type TextUnit } from "../../text/truncate.ts";

/** A size limit and the unit GitHub counts it in. */
export interface TextLimit {
  max: number;
  /** Check run output is limited in UTF-8 bytes; comment and pull request bodies in characters. */
  unit: TextUnit;
}

export const checkRunTextLimit: TextLimit = { max: 65_535, unit: "bytes" };
export const commentBodyLimit: TextLimit = { max: 65_536, unit: "chars" };

/** A cut that ends this close to the limit moves back to the last line break, so lines stay whole. */
const lineBreakSearchChars = 2_000;

/** Length in the limit's unit. UTF-16 units for "chars" never undercount GitHub's characters. */
export function sizeIn(text: string, unit: TextLimit["unit"]): number {
  return unit === "bytes" ? Buffer.byteLength(text, "utf8") : text.length;
}

export function truncateMarkdown(text: string, limit: TextLimit, moreAt?: string): string {
  if (sizeIn(text, limit.unit) <= limit.max) return text;
  const marker = `\n\n---\n✂️ **Cut to fit GitHub's size limit.** ${
    moreAt === undefined
      ? "The whole text is on Flotilla's agent page."
      : `[Read all of it on Flotilla](${moreAt}).`
  }`;
  let budget = limit.max - sizeIn(marker, limit.unit);
  for (;;) {
    let cut = prefixWithin(text, budget, limit.unit);
    const lastBreak = cut.lastIndexOf("\n");
    if (lastBreak > 0 && cut.length - lastBreak < lineBreakSearchChars) cut = cut.slice(0, lastBreak);
    const result = `${cut}${closersFor(cut)}${marker}`;
    const size = sizeIn(result, limit.unit);
    if (size <= limit.max) return result;
    budget -= size - limit.max;
  }
}

/** What must follow `text` so that nothing it opened swallows what comes after. */
function closersFor(text: string): string {
  let closers = "";
  const fence = openFence(text);
  if (fence !== undefined) closers += `\n${fence}`;
  // An unclosed HTML comment would hide the marker; fences make `<!--` literal text.
  if (fence === undefined && text.lastIndexOf("<!--") > text.lastIndexOf("-->")) closers += " -->";
  return closers;
}

/** The fence that closes the code block `text` ends inside, or undefined (CommonMark rules). */
export function openFence(text: string): string | undefined {
  let open: { char: string; length: number } | undefined;
  for (const line of text.split("\n")) {
    const match = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
    if (match === null) continue;
    const run = match[1] ?? "";
    const rest = match[2] ?? "";
    const char = run[0] ?? "`";
    if (open === undefined) {
      // A backtick fence's info string may not contain a backtick.
      if (char === "`" && rest.includes("`")) continue;
      open = { char, length: run.length };
    } else if (char === open.char && run.length >= open.length && rest.trim() === "") {
      open = undefined;
    }
  }
  return open === undefined ? undefined : open.char.repeat(open.length);
}

/** Text safe inside a Markdown inline code span or table cell. */
export function escapeTableCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}
