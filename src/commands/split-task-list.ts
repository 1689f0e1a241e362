// Reads the lines below `/agents run` as a markdown list of tasks, one agent per item.
// An item keeps its continuation lines and sub-lists; text before and after the list is
// returned apart so every task can carry it. Lines in fenced code are never list items.
import { closesFence, type Fence, openingFence } from "./markdown-fence.ts";

export interface TaskList {
  /** Each top-level item's text, without its marker or task-list checkbox, trimmed. */
  items: string[];
  /** Text above the first item, trimmed. */
  before: string;
  /** Text after the list that is not part of any item, trimmed. */
  after: string;
}

// A top-level item: at most three spaces of indent, `-`, `*`, `+`, `1.` or `1)`, then a space or the line's end.
const ITEM = /^( {0,3})([-*+]|\d{1,9}[.)])(?:([ \t]+)(.*))?$/s;
const THEMATIC_BREAK = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const CHECKBOX = /^\[[ xX]\][ \t]+/;
// Lines that start a block of their own rather than continue an item's paragraph.
const BLOCK_START = /^\s*(?:>|#{1,6}(?:\s|$))/;

interface OpenItem {
  lines: string[];
  /** Columns of indent a line needs to belong to the item after a blank line. */
  contentIndent: number;
}

/** The list in `text`, or null when it holds no top-level list item. */
export function splitTaskList(text: string): TaskList | null {
  const items: OpenItem[] = [];
  const before: string[] = [];
  const after: string[] = [];
  let current: OpenItem | null = null;
  let blankSinceContent = false;
  let fence: { fence: Fence; into: string[] } | null = null;

  for (const line of text.split("\n")) {
    if (fence) {
      fence.into.push(current && fence.into === current.lines ? dedent(line, current.contentIndent) : line);
      if (closesFence(line, fence.fence)) fence = null;
      continue;
    }
    if (line.trim() === "") {
      (current?.lines ?? (items.length === 0 ? before : after)).push("");
      blankSinceContent = true;
      continue;
    }
    const belongsToItem =
      current !== null &&
      (indentWidth(line) >= current.contentIndent ||
        (!blankSinceContent && itemStart(line) === null && !BLOCK_START.test(line) && !openingFence(line)));
    if (current && belongsToItem) {
      const content = dedent(line, current.contentIndent);
      current.lines.push(content);
      const opened = openingFence(content);
      if (opened) fence = { fence: opened, into: current.lines };
      blankSinceContent = false;
      continue;
    }
    const item = itemStart(line);
    blankSinceContent = false;
    if (item) {
      current = item;
      items.push(item);
      continue;
    }
    current = null;
    const into = items.length === 0 ? before : after;
    into.push(line);
    const opened = openingFence(line);
    if (opened) fence = { fence: opened, into };
  }
  if (items.length === 0) return null;
  return {
    items: items.map((item) => item.lines.join("\n").trim()),
    before: before.join("\n").trim(),
    after: after.join("\n").trim(),
  };
}

function itemStart(line: string): OpenItem | null {
  if (THEMATIC_BREAK.test(line)) return null;
  const match = ITEM.exec(line);
  if (!match) return null;
  const [, indent = "", marker = "", spacing = "", content = ""] = match;
  // CommonMark: content indented five or more past the marker is code, so the item's own indent is one space.
  const gap = spacing.length === 0 || spacing.length > 4 || content.trim() === "" ? 1 : spacing.length;
  return { lines: [content.replace(CHECKBOX, "")], contentIndent: indent.length + marker.length + gap };
}

/** Leading whitespace in columns, a tab counting to the next multiple of four. */
function indentWidth(line: string): number {
  let columns = 0;
  for (const char of line) {
    if (char === " ") columns++;
    else if (char === "\t") columns += 4 - (columns % 4);
    else break;
  }
  return columns;
}

/** `line` without up to `columns` columns of leading whitespace. */
function dedent(line: string, columns: number): string {
  let removed = 0;
  let at = 0;
  while (at < line.length && removed < columns) {
    const char = line[at];
    if (char === " ") removed++;
    else if (char === "\t") removed += 4 - (removed % 4);
    else break;
    at++;
  }
  return line.slice(at);
}
