import { describe, expect, it } from "vitest";
import { parseTokenCount } from "../../src/commands/token-count.ts";

describe("parseTokenCount", () => {
  it.each([
    ["0", 0],
    ["42", 42],
    ["300k", 300_000],
    ["1.5m", 1_500_000],
    ["1.1m", 1_100_000],
    ["2.000k", 2000],
    ["0.001k", 1],
    ["1.234567m", 1_234_567],
    ["007k", 7000],
  ])("reads %s exactly", (written, tokens) => {
    expect(parseTokenCount(written)).toBe(tokens);
  });

  it.each([
    "",
    "k",
    "1.5",
    "1.0001k",
    "1.2345678m",
    "1e3",
    "-1",
    "+1",
    "1 k",
    "1kk",
    "1g",
    ".5k",
    "5.k",
    "1_000",
  ])("refuses %j", (written) => {
    expect(parseTokenCount(written)).toBeUndefined();
  });
});
