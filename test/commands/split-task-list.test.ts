import { describe, expect, it } from "vitest";
import { splitTaskList } from "../../src/commands/split-task-list.ts";

describe("splitTaskList", () => {
  it("returns null without a list", () => {
    expect(splitTaskList("just text\n\nmore text")).toBeNull();
    expect(splitTaskList("-not an item\n--- \n***")).toBeNull();
    expect(splitTaskList("```\n- in code\n```")).toBeNull();
    expect(splitTaskList("> - quoted")).toBeNull();
    expect(splitTaskList("    - indented four is code")).toBeNull();
  });

  it("reads every marker kind", () => {
    expect(splitTaskList("- a\n* b\n+ c\n1. d\n2) e")?.items).toEqual(["a", "b", "c", "d", "e"]);
  });

  it("keeps continuation lines, lazy lines, sub-lists and fenced code in their item", () => {
    const list = splitTaskList(
      "1. first\n   more\nlazy line\n   - sub\n\n   ```\n- in code\n   ```\n2. second",
    );
    expect(list?.items).toEqual(["first\nmore\nlazy line\n- sub\n\n```\n- in code\n```", "second"]);
  });

  it("ends an item at an unindented line after a blank line", () => {
    expect(splitTaskList("- a\n\nafter\n- b")).toEqual({ items: ["a", "b"], before: "", after: "after" });
  });

  it("keeps text before and after the list apart", () => {
    expect(splitTaskList("Context:\n\n- a\n- b\n\nThanks")).toEqual({
      items: ["a", "b"],
      before: "Context:",
      after: "Thanks",
    });
  });

  it("removes task-list checkboxes", () => {
    expect(splitTaskList("- [ ] a\n- [x] b\n- [X] c\n- [y] d")?.items).toEqual(["a", "b", "c", "[y] d"]);
  });

  it("gives an empty item as empty text", () => {
    expect(splitTaskList("- a\n-\n- c")?.items).toEqual(["a", "", "c"]);
  });
});
