import { describe, expect, it } from "vitest";
import {
  FLAG_NAMES,
  FLAGS,
  GRAMMAR,
  isSwitch,
  LIMITS,
  usageLine,
  VERBS,
} from "../../src/commands/grammar.ts";
import { helpText, usageFor } from "../../src/commands/help-text.ts";
import { parseComment } from "../../src/commands/parse-comment.ts";

describe("helpText", () => {
  const help = helpText();

  it("shows every verb's usage and summary from the grammar", () => {
    for (const verb of VERBS) {
      expect(help).toContain(`\`${usageLine(verb)}\``);
      expect(help).toContain(GRAMMAR[verb].summary);
    }
  });

  it("shows every flag with its allowed values", () => {
    for (const name of FLAG_NAMES.filter((flag) => !isSwitch(flag))) {
      expect(help).toContain(`\`--${name} ${FLAGS[name].valueName}\``);
      expect(help).toContain(FLAGS[name].allowed);
    }
    expect(help).toContain(`from 1 to 100M`);
    expect(help).toContain(`from ${LIMITS.maxTurns.min} to ${LIMITS.maxTurns.max}`);
  });

  it("writes the usage lines the brief asks for", () => {
    expect(usageLine("run")).toBe(
      "/agents run [--budget TOKENS] [--model NAME] [--max-turns N] [--count N] [--stack] <task>",
    );
    expect(usageLine("cancel")).toBe("/agents cancel [agent|all]");
    expect(usageLine("retry")).toBe("/agents retry <agent>");
    expect(usageLine("continue")).toBe("/agents continue <agent> [--budget TOKENS]");
    expect(usageLine("status")).toBe("/agents status");
  });

  it("has only examples that parse as commands", () => {
    for (const verb of VERBS) {
      for (const example of GRAMMAR[verb].examples) {
        const parsed = parseComment(example);
        expect(parsed.kind, example).toBe("command");
        expect(parsed.kind === "command" && parsed.command.verb).toBe(verb);
      }
    }
  });

  it("closes every code fence it opens", () => {
    expect((help.match(/^```/gm) ?? []).length % 2).toBe(0);
  });
});

describe("usageFor", () => {
  it("shows one verb's usage, flags and examples", () => {
    const usage = usageFor("continue");
    expect(usage).toContain("`/agents continue <agent> [--budget TOKENS]`");
    expect(usage).toContain("`--budget TOKENS`");
    expect(usage).not.toContain("--count");
    expect(usage).toContain("/agents continue fix-tests --budget 200k");
  });

  it("gives the whole help for a word that is not a verb", () => {
    expect(usageFor("rnu")).toBe(helpText());
  });
});
