// Removes what a reader of the rendered comment does not see but a model reading its source
// would: HTML comments, hidden elements, `[//]: # (…)` lines; other tags go, their content stays.
// Code spans, fenced code and escaped characters are shown literally, so they are kept as is.
import { closesFence, type Fence, openingFence } from "./markdown-fence.ts";

// Raw HTML as CommonMark recognizes it: anything else that starts with `<` is plain text.
const TAG =
  /<(\/?)([A-Za-z][A-Za-z0-9-]*)((?:\s+[A-Za-z_:][A-Za-z0-9_.:-]*(?:\s*=\s*(?:[^\s"'=<>`]+|'[^']*'|"[^"]*"))?)*)\s*\/?>/y;
const ATTRIBUTE = /\s+([A-Za-z_:][A-Za-z0-9_.:-]*)(?:\s*=\s*([^\s"'=<>`]+|'[^']*'|"[^"]*"))?/g;
const HIDING_STYLE = /display\s*:\s*none|visibility\s*:\s*(?:hidden|collapse)/i;
const DECLARATION = /<![A-Za-z]/y;
/** A link reference definition pointing nowhere: the markdown "comment" idiom `[//]: # (hidden)`. */
const HIDDEN_LINK_DEFINITION = /^ {0,3}\[[^\]]+\]:[ \t]*(?:#|<>)(?:\s.*)?$/s;

const NEVER_SHOWN = new Set(["script", "style", "template"]);
const RAW_TEXT = new Set(["script", "style"]);
const VOID = new Set([
  "area",
  "base",
  "br",
  "col",
  "embed",
  "hr",
  "img",
  "input",
  "link",
  "meta",
  "source",
  "track",
  "wbr",
]);

export function stripHiddenMarkup(text: string): string {
  const search = rememberingSearch(text);
  const codeSpans = codeSpanFinder(text);
  const kept: string[] = [];
  let copiedUpTo = 0;
  let at = 0;
  const drop = (from: number, to: number): void => {
    kept.push(text.slice(copiedUpTo, from));
    copiedUpTo = to;
  };
  while (at < text.length) {
    if (at === 0 || text[at - 1] === "\n") {
      const lineEnd = search.indexOf("\n", at);
      const line = text.slice(at, lineEnd === -1 ? text.length : lineEnd);
      const fence = openingFence(line);
      if (fence) {
        at = endOfFencedCode(text, at + line.length, fence);
        continue;
      }
      if (HIDDEN_LINK_DEFINITION.test(line)) {
        const next = Math.min(at + line.length + 1, text.length);
        drop(at, next);
        at = next;
        continue;
      }
    }
    const char = text[at];
    if (char === "\\") {
      at += 2;
    } else if (char === "`") {
      at = codeSpans.endAt(at);
    } else if (char === "<") {
      const end = endOfMarkup(text, at, search);
      if (end === undefined) {
        at++;
      } else {
        drop(at, end);
        at = end;
      }
    } else {
      at++;
    }
  }
  kept.push(text.slice(copiedUpTo));
  return kept.join("");
}

/** Where the raw HTML starting at `at` ends, or undefined when `<` is plain text there. */
function endOfMarkup(text: string, at: number, search: RememberingSearch): number | undefined {
  if (text.startsWith("<!--", at)) {
    if (text.startsWith("<!-->", at)) return at + 5;
    if (text.startsWith("<!--->", at)) return at + 6;
    return endAfter(search, "-->", at + 4) ?? text.length;
  }
  if (text.startsWith("<?", at)) return endAfter(search, "?>", at + 2);
  if (text.startsWith("<![CDATA[", at)) return endAfter(search, "]]>", at + 9);
  DECLARATION.lastIndex = at;
  if (DECLARATION.test(text)) return endAfter(search, ">", at + 2);
  TAG.lastIndex = at;
  const tag = TAG.exec(text);
  if (!tag) return undefined;
  const [whole, slash = "", rawName = "", attributes = ""] = tag;
  const name = rawName.toLowerCase();
  const tagEnd = at + whole.length;
  if (slash !== "" || !hidesContent(name, attributes)) return tagEnd;
  if (VOID.has(name)) return tagEnd;
  return endOfElement(text, name, tagEnd);
}

function hidesContent(name: string, attributes: string): boolean {
  if (NEVER_SHOWN.has(name)) return true;
  for (const [, attribute = "", value = ""] of attributes.matchAll(ATTRIBUTE)) {
    const attributeName = attribute.toLowerCase();
    if (attributeName === "hidden") return true;
    if (attributeName === "style" && HIDING_STYLE.test(value)) return true;
  }
  return false;
}

/**
 * Where the element opened just before `from` ends: after its matching end tag, or at the end
 * of the text when it is never closed (a browser hides everything after an unclosed hidden element;
 * `<div hidden/>` does not close a div either).
 */
function endOfElement(text: string, name: string, from: number): number {
  const tags = new RegExp(`<(/?)${name}(?=[\\s/>])`, "gi");
  tags.lastIndex = from;
  let depth = 1;
  for (let tag = tags.exec(text); tag; tag = tags.exec(text)) {
    if (tag[1] === "") {
      if (!RAW_TEXT.has(name)) depth++;
      continue;
    }
    depth--;
    if (depth === 0) {
      const close = text.indexOf(">", tag.index);
      return close === -1 ? text.length : close + 1;
    }
  }
  return text.length;
}

function endOfFencedCode(text: string, openingLineEnd: number, fence: Fence): number {
  let lineStart = openingLineEnd + 1;
  while (lineStart < text.length) {
    const newline = text.indexOf("\n", lineStart);
    const lineEnd = newline === -1 ? text.length : newline;
    if (closesFence(text.slice(lineStart, lineEnd), fence)) return lineEnd;
    lineStart = lineEnd + 1;
  }
  return text.length;
}

function endAfter(search: RememberingSearch, needle: string, from: number): number | undefined {
  const found = search.indexOf(needle, from);
  return found === -1 ? undefined : found + needle.length;
}

interface RememberingSearch {
  indexOf(needle: string, from: number): number;
}

/**
 * `indexOf` that remembers where a needle was last missing: once "?>" is not found after
 * position p, later searches from beyond p answer at once. Keeps a 100 KB comment of `<?<?<?`
 * linear instead of quadratic.
 */
function rememberingSearch(text: string): RememberingSearch {
  const missingFrom = new Map<string, number>();
  return {
    indexOf(needle, from) {
      const missing = missingFrom.get(needle);
      if (missing !== undefined && from >= missing) return -1;
      const found = text.indexOf(needle, from);
      if (found === -1) missingFrom.set(needle, from);
      return found;
    },
  };
}

interface CodeSpanFinder {
  /** Where the backtick run at `at` stops: after the span's closing run, or after the run when it opens no span. */
  endAt(at: number): number;
}

/**
 * Code spans as CommonMark reads them: a run of N backticks opens a span when a run of exactly
 * N backticks follows in the same paragraph. Failed searches are remembered per run length,
 * so a paragraph full of lone backticks is still read in linear time.
 */
function codeSpanFinder(text: string): CodeSpanFinder {
  const noCloserBefore = new Map<number, number>();
  const blankLine = /\n[ \t]*\n/g;
  let paragraphEnd = -1;
  return {
    endAt(at) {
      let runEnd = at;
      while (text[runEnd] === "`") runEnd++;
      const length = runEnd - at;
      if ((noCloserBefore.get(length) ?? -1) > at) return runEnd;
      // Runs are met in increasing order, so the paragraph end found last time holds until passed.
      if (runEnd > paragraphEnd) {
        blankLine.lastIndex = runEnd;
        paragraphEnd = blankLine.exec(text)?.index ?? text.length;
      }
      let searchFrom = runEnd;
      while (true) {
        const start = text.indexOf("`", searchFrom);
        if (start === -1 || start >= paragraphEnd) break;
        let end = start;
        while (text[end] === "`") end++;
        if (end - start === length) return end;
        searchFrom = end;
      }
      noCloserBefore.set(length, paragraphEnd);
      return runEnd;
    },
  };
}
