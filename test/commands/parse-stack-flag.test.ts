// `--stack` is the one switch of the grammar: no value, and the word after it is not taken as one.
import { describe, expect, it } from "vitest";
import { helpText, usageFor } from "../../src/commands/help-text.ts";
import { parseComment } from "../../src/commands/parse-comment.ts";

describe("/agents run --stack", () => {
  it("is a switch before a task list, with other flags around it", () => {
    expect(parseComment("/agents run --stack --budget 300k\n- add the parser\n- use it")).toEqual({
      kind: "command",
      command: { verb: "run", tasks: ["add the parser", "use it"], budgetTokens: 300_000, stack: true },
    });
  });

  it("does not swallow the word after it as a value", () => {
    expect(parseComment("/agents run --stack tidy up")).toEqual({
      kind: "command",
      command: { verb: "run", tasks: ["tidy up"], stack: true },
    });
  });

  it("refuses a value, saying to write it alone", () => {
    const parsed = parseComment("/agents run --stack=yes\n- a\n- b");
    expect(parsed.kind).toBe("invalid");
    expect(JSON.stringify(parsed)).toContain("takes no value: write `--stack` alone");
  });

  it("is in the usage line and the help", () => {
    expect(usageFor("run")).toContain("[--stack] <task>");
    expect(helpText()).toContain("- `--stack`: on an issue with a task list");
  });
});
