// Cutting text never splits a character: a UTF-16 surrogate pair (an emoji) stays whole, in
// UTF-16 units and in UTF-8 bytes, and a marked cut counts its "…" in the limit.
import { describe, expect, it } from "vitest";
import { oneLine } from "../../src/text/one-line.ts";
import { prefixWithin, truncate } from "../../src/text/truncate.ts";

describe("prefixWithin", () => {
  it("takes whole characters only", () => {
    expect(prefixWithin("aé漢😀", 1, "bytes")).toBe("a");
    expect(prefixWithin("aé漢😀", 4, "bytes")).toBe("aé");
    expect(prefixWithin("aé漢😀", 6, "bytes")).toBe("aé漢");
    expect(prefixWithin("aé漢😀", 9, "bytes")).toBe("aé漢");
    expect(prefixWithin("a😀", 2, "chars")).toBe("a");
    expect(prefixWithin("a😀", 3)).toBe("a😀");
    expect(prefixWithin("abc", 0)).toBe("");
  });
});

describe("truncate", () => {
  it("leaves a text that fits alone", () => {
    expect(truncate("abc", 3)).toBe("abc");
  });

  it("ends a cut with … counted in the limit", () => {
    expect(truncate("abcdef", 4)).toBe("abc…");
    expect(truncate("abcdef", 1)).toBe("…");
    expect(truncate("abcdef", 0)).toBe("");
  });

  it("drops the whole emoji rather than half of it", () => {
    const cut = truncate("ab😀cd", 4);
    expect(cut).toBe("ab…");
    expect(cut.isWellFormed()).toBe(true);
  });
});

describe("oneLine", () => {
  it("collapses whitespace and newlines to single spaces", () => {
    expect(oneLine("  fix\n\tthe   tests \n", 80)).toBe("fix the tests");
  });

  it("cuts to the limit, … included", () => {
    expect(oneLine("one two three four", 9)).toBe("one two …");
    expect(oneLine("one two three four", 9).length).toBe(9);
  });

  it("reads past leading whitespace, however long", () => {
    expect(oneLine(`${" ".repeat(10_000)}late words`, 20)).toBe("late words");
  });

  it("never splits an emoji", () => {
    expect(oneLine("ab😀cd", 4).isWellFormed()).toBe(true);
  });
});
