import { describe, expect, it } from "vitest";
import { findCommand } from "../../src/commands/find-command.ts";

function commandLine(text: string): string | undefined {
  return findCommand(text)?.line;
}

describe("findCommand", () => {
  it("finds a command on the first line", () => {
    expect(findCommand("/agents run fix it\nmore")).toEqual({
      line: "/agents run fix it",
      afterCommandWord: " run fix it",
      following: "more",
    });
  });

  it("finds a command after other lines and leading whitespace", () => {
    expect(commandLine("Hi team,\n\n   \t/agents status  \nthanks")).toBe("/agents status");
  });

  it("accepts /agents alone and /agents followed by any whitespace", () => {
    expect(commandLine("/agents")).toBe("/agents");
    expect(commandLine("/agents\thelp")).toBe("/agents\thelp");
    expect(commandLine("/agents\u00A0help")).toBe("/agents\u00A0help");
  });

  it("does not take /agentsfoo, /agents-x or /agents: as the command word", () => {
    expect(findCommand("/agentsfoo run x")).toBeNull();
    expect(findCommand("/agents-run x")).toBeNull();
    expect(findCommand("/agents:run x")).toBeNull();
  });

  it("needs /agents to be the first text on its line", () => {
    expect(findCommand("please /agents run x")).toBeNull();
    expect(findCommand("`/agents run x`")).toBeNull();
    expect(findCommand("- /agents run x")).toBeNull();
  });

  it("is case-sensitive", () => {
    expect(findCommand("/Agents run x")).toBeNull();
  });

  it("takes only the first command line", () => {
    const found = findCommand("/agents status\n/agents run x");
    expect(found?.line).toBe("/agents status");
    expect(found?.following).toBe("/agents run x");
  });

  it.each([
    ["backtick fence", "```\n/agents run x\n```"],
    ["tilde fence", "~~~\n/agents run x\n~~~"],
    ["long fence with info string", "`````sh\n/agents run x\n`````"],
    ["indented fence", "  ```\n  /agents run x\n  ```"],
    ["unclosed fence", "```\n/agents run x"],
    ["fence closed only by a matching marker", "```\n~~~\n/agents run x\n```"],
    ["fence not closed by a shorter fence", "````\n```\n/agents run x\n````"],
  ])("ignores a command inside a %s", (_label, text) => {
    expect(findCommand(text)).toBeNull();
  });

  it("finds a command after a fence closes", () => {
    expect(commandLine("```\n/agents run x\n```\n/agents run y")).toBe("/agents run y");
    expect(commandLine("~~~~\n/agents run x\n~~~~~~\n/agents status")).toBe("/agents status");
  });

  it("does not treat a backtick run with backticks after it as a fence", () => {
    expect(commandLine("```not a fence```\n/agents status")).toBe("/agents status");
  });

  it("does not close a fence on a line with text after the marker", () => {
    expect(findCommand("```\n``` still code\n/agents run x\n")).toBeNull();
  });

  it.each(["> /agents run x", ">/agents run x", "  > /agents run x", "> > /agents run x"])(
    "ignores a command in the block quote %j",
    (text) => {
      expect(findCommand(`${text}\n`)).toBeNull();
    },
  );

  it("finds a command after a quote", () => {
    expect(commandLine("> /agents run x\n\n/agents run y")).toBe("/agents run y");
  });

  it("does not let a fence opened inside a quote hide the rest of the comment", () => {
    expect(commandLine("> ```\n> code\n\n/agents status")).toBe("/agents status");
  });
});
