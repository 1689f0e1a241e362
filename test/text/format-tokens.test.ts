// Token amounts in everything people read (check runs, comments, replies, pages) are written one
// way, and round amounts are written so that a command accepts them back as they are.
import { describe, expect, it } from "vitest";
import { parseTokenCount } from "../../src/commands/token-count.ts";
import { formatTokens } from "../../src/text/format-tokens.ts";

describe("formatTokens", () => {
  it.each([
    [999, "999"],
    [1_500, "1.5k"],
    [12_340, "12.3k"],
    [300_000, "300k"],
    [1_500_000, "1.5M"],
    [12_600_000, "13M"],
    [100_000_000, "100M"],
  ])("writes %d as %s", (tokens, written) => {
    expect(formatTokens(tokens)).toBe(written);
  });

  it.each([1, 1_500, 300_000, 1_500_000, 100_000_000])(
    "writes %d so that a command reads it back",
    (tokens) => {
      expect(parseTokenCount(formatTokens(tokens))).toBe(tokens);
    },
  );
});
