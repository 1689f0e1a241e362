import { describe, expect, it } from "vitest";
import { readShellWord, splitShellWords } from "../../src/commands/split-shell-words.ts";

function words(text: string): string[] {
  const split = splitShellWords(text);
  if (!split.ok) throw new Error(split.problem);
  return split.words.map((word) => word.value);
}

function failure(text: string): string {
  const split = splitShellWords(text);
  if (split.ok) throw new Error(`expected a problem, got ${JSON.stringify(split.words)}`);
  return split.problem;
}

describe("splitShellWords", () => {
  it("splits on any run of whitespace", () => {
    expect(words("  a \t b\u00A0c  ")).toEqual(["a", "b", "c"]);
    expect(words("")).toEqual([]);
    expect(words("   ")).toEqual([]);
  });

  it("keeps single-quoted text literally", () => {
    expect(words(`'a b' 'x\\y' '"'`)).toEqual(["a b", "x\\y", '"']);
  });

  it('lets backslash escape only " \\ $ ` inside double quotes', () => {
    expect(words(`"a \\"b\\" \\\\ \\$ \\\` \\n"`)).toEqual(['a "b" \\ $ ` \\n']);
  });

  it("makes the next character literal after a backslash outside quotes", () => {
    expect(words(`a\\ b \\'c \\"d`)).toEqual(["a b", "'c", '"d']);
  });

  it("keeps a trailing lone backslash", () => {
    expect(words("a\\")).toEqual(["a\\"]);
  });

  it("joins quoted and bare parts of one word", () => {
    expect(words(`--model="claude x"y 'a'"b"c`)).toEqual(["--model=claude xy", "abc"]);
  });

  it("keeps empty quoted words", () => {
    expect(words(`'' ""`)).toEqual(["", ""]);
  });

  it("does no expansion: $VAR, globs, comments and operators are text", () => {
    expect(words("$HOME * # a|b && c;d > e")).toEqual(["$HOME", "*", "#", "a|b", "&&", "c;d", ">", "e"]);
  });

  it("reports an unclosed quote readably", () => {
    expect(failure(`fix "the test`)).toContain('opens a double quote `"` that is never closed');
    expect(failure(`don't`)).toContain("opens a single quote `'` that is never closed");
  });

  it("records where each word is in the text", () => {
    const split = splitShellWords(` ab  "c d" `);
    expect(split.ok && split.words).toEqual([
      { value: "ab", start: 1, end: 3 },
      { value: "c d", start: 5, end: 10 },
    ]);
  });

  it("reads one word at a position", () => {
    expect(readShellWord("x 'a b'c d", 2)).toEqual({ ok: true, word: { value: "a bc", start: 2, end: 8 } });
  });
});
