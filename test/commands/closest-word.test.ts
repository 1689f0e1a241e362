import { describe, expect, it } from "vitest";
import { closestWord, editDistance } from "../../src/commands/closest-word.ts";

describe("editDistance", () => {
  it.each([
    ["", "", 0],
    ["run", "run", 0],
    ["rnu", "run", 1],
    ["rn", "run", 1],
    ["runn", "run", 1],
    ["ran", "run", 1],
    ["kitten", "sitting", 3],
    ["", "abc", 3],
  ])("%j to %j is %d", (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
    expect(editDistance(b, a)).toBe(distance);
  });
});

describe("closestWord", () => {
  const verbs = ["run", "status", "cancel", "retry", "continue", "help"];

  it.each([
    ["rnu", "run"],
    ["stats", "status"],
    ["stat", "status"],
    ["cancle", "cancel"],
    ["retyr", "retry"],
    ["cont", "continue"],
    ["halp", "help"],
    ["RUN", "run"],
  ])("takes %j for %j", (typed, meant) => {
    expect(closestWord(typed, verbs)).toBe(meant);
  });

  it.each(["please", "x", "", "deploy", "a".repeat(100)])("has no guess for %j", (typed) => {
    expect(closestWord(typed, verbs)).toBeUndefined();
  });
});
