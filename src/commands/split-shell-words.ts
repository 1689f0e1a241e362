// Splits a command line into words as a POSIX shell would, without expansion: '…' is literal,
// "…" lets \" \\ \$ \` escape, a bare backslash makes the next character literal. No variables,
// globs, comments or operators: `$HOME`, `*`, `#` and `|` are ordinary text.
import { inlineCode } from "../text/markdown-code.ts";

interface ShellWord {
  value: string;
  /** Index of the word's first character in the text. */
  start: number;
  /** Index just after the word's last character. */
  end: number;
}

export type ShellWordResult = { ok: true; word: ShellWord } | { ok: false; problem: string };
export type ShellWordsResult = { ok: true; words: ShellWord[] } | { ok: false; problem: string };

const WHITESPACE = /\s/;
const ESCAPABLE_IN_DOUBLE_QUOTES = new Set(['"', "\\", "$", "`"]);

/** The index of the first non-whitespace character at or after `from` (the text's length if none). */
export function skipWhitespace(text: string, from: number): number {
  let at = from;
  while (at < text.length && WHITESPACE.test(text.charAt(at))) at++;
  return at;
}

/** Reads the word starting at `start`, which must not be whitespace. */
export function readShellWord(text: string, start: number): ShellWordResult {
  let value = "";
  let at = start;
  while (at < text.length) {
    const char = text.charAt(at);
    if (WHITESPACE.test(char)) break;
    if (char === "\\") {
      // A backslash at the very end has nothing to escape, so it stands for itself.
      value += at + 1 < text.length ? text.charAt(at + 1) : "\\";
      at += 2;
    } else if (char === "'") {
      const close = text.indexOf("'", at + 1);
      if (close === -1) return unbalanced("'", text, start);
      value += text.slice(at + 1, close);
      at = close + 1;
    } else if (char === '"') {
      const quoted = readDoubleQuoted(text, at + 1);
      if (quoted === undefined) return unbalanced('"', text, start);
      value += quoted.value;
      at = quoted.end;
    } else {
      value += char;
      at++;
    }
  }
  return { ok: true, word: { value, start, end: Math.min(at, text.length) } };
}

/** All the words of `text`. */
export function splitShellWords(text: string): ShellWordsResult {
  const words: ShellWord[] = [];
  for (let at = skipWhitespace(text, 0); at < text.length; at = skipWhitespace(text, at)) {
    const read = readShellWord(text, at);
    if (!read.ok) return read;
    words.push(read.word);
    at = read.word.end;
  }
  return { ok: true, words };
}

function readDoubleQuoted(text: string, from: number): { value: string; end: number } | undefined {
  let value = "";
  for (let at = from; at < text.length; at++) {
    const char = text.charAt(at);
    if (char === '"') return { value, end: at + 1 };
    const next = text.charAt(at + 1);
    if (char === "\\" && ESCAPABLE_IN_DOUBLE_QUOTES.has(next)) {
      value += next;
      at++;
    } else {
      value += char;
    }
  }
  return undefined;
}

function unbalanced(quote: string, text: string, start: number): ShellWordResult {
  const other = quote === '"' ? "'" : '"';
  return {
    ok: false,
    problem: `${inlineCode(text.slice(start))} opens a ${quote === '"' ? "double" : "single"} quote ${inlineCode(quote)} that is never closed; close it, escape it as ${inlineCode(`\\${quote}`)}, or quote the word with ${inlineCode(other)} instead`,
  };
}
