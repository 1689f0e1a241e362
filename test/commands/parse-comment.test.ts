import { describe, expect, it } from "vitest";
import type { CommandProblem, ParsedComment } from "../../src/commands/agent-command.ts";
import { usageFor } from "../../src/commands/help-text.ts";
import { parseComment } from "../../src/commands/parse-comment.ts";

function command(body: string) {
  const parsed = parseComment(body);
  if (parsed.kind !== "command") throw new Error(`expected a command, got ${JSON.stringify(parsed)}`);
  return parsed.command;
}

function problem(body: string): CommandProblem {
  const parsed = parseComment(body);
  if (parsed.kind !== "invalid") throw new Error(`expected a problem, got ${JSON.stringify(parsed)}`);
  return parsed.error;
}

describe("/agents run", () => {
  it("takes the rest of the line as the task", () => {
    expect(command("/agents run fix the flaky test")).toEqual({ verb: "run", tasks: ["fix the flaky test"] });
  });

  it("reads every flag, in any order, with = or a space", () => {
    expect(
      command("/agents run --count 3 --max-turns=40 --model claude-opus-4.1 --budget=1.5m tidy up"),
    ).toEqual({
      verb: "run",
      tasks: ["tidy up"],
      budgetTokens: 1_500_000,
      model: "claude-opus-4.1",
      maxTurns: 40,
      count: 3,
    });
  });

  it("keeps prose with quotes and apostrophes verbatim after the flags", () => {
    expect(command(`/agents run --budget 300k fix the "flaky" test, don't touch docs`)).toEqual({
      verb: "run",
      tasks: [`fix the "flaky" test, don't touch docs`],
      budgetTokens: 300_000,
    });
  });

  it("treats flags after the task has started as task text", () => {
    expect(command("/agents run fix it --budget 5k")).toEqual({ verb: "run", tasks: ["fix it --budget 5k"] });
  });

  it("accepts quoted flag values", () => {
    expect(command(`/agents run --model "claude-x" --budget '20k' go`)).toMatchObject({
      model: "claude-x",
      budgetTokens: 20_000,
      tasks: ["go"],
    });
  });

  it("starts the task after -- even when it looks like a flag", () => {
    expect(command("/agents run --budget 2k -- --verbose is broken")).toEqual({
      verb: "run",
      tasks: ["--verbose is broken"],
      budgetTokens: 2000,
    });
  });

  it("adds the lines below the command line to the task", () => {
    expect(command("please:\n/agents run fix the test\nin `core/`\n\nthanks")).toEqual({
      verb: "run",
      tasks: ["fix the test\nin `core/`\n\nthanks"],
    });
  });

  it("reads Windows line ends", () => {
    expect(command("hi\r\n/agents run --count 2 fix it\r\nin core\r\n")).toEqual({
      verb: "run",
      tasks: ["fix it\nin core"],
      count: 2,
    });
  });

  it("keeps a model name that starts with a dash as the flag's value", () => {
    expect(command("/agents run --model -preview go")).toMatchObject({ model: "-preview", tasks: ["go"] });
  });

  it("quotes flags as they were written", () => {
    expect(problem(`/agents run --max-turns  "0" go`).quoted).toBe(`--max-turns  "0"`);
  });

  it("takes the lines below as the task when the command line has only flags", () => {
    expect(command("/agents run --budget 10k\nrefactor the queue\ninto two files")).toEqual({
      verb: "run",
      tasks: ["refactor the queue\ninto two files"],
      budgetTokens: 10_000,
    });
  });

  it("starts one agent per list item below a command line without a task", () => {
    expect(
      command("/agents run --budget 50k\n- fix the flaky test\n* update the changelog\n3. bump the version"),
    ).toEqual({
      verb: "run",
      tasks: ["fix the flaky test", "update the changelog", "bump the version"],
      budgetTokens: 50_000,
    });
  });

  it("keeps an item's continuation lines and sub-list, and drops task-list checkboxes", () => {
    expect(command("/agents run\n- [ ] fix the test\n  in core\n  - carefully\n- [x] docs")).toEqual({
      verb: "run",
      tasks: ["fix the test\nin core\n- carefully", "docs"],
    });
  });

  it("gives text around the list to every task", () => {
    expect(
      command("/agents run\nIn packages/core:\n\n- fix the test\n- fix the docs\n\nDo not push to main."),
    ).toEqual({
      verb: "run",
      tasks: [
        "In packages/core:\n\nfix the test\n\nDo not push to main.",
        "In packages/core:\n\nfix the docs\n\nDo not push to main.",
      ],
    });
  });

  it("does not split a list when the command line already has a task", () => {
    expect(command("/agents run do all of these\n- a\n- b")).toEqual({
      verb: "run",
      tasks: ["do all of these\n- a\n- b"],
    });
  });

  it("does not read list markers inside code blocks as tasks", () => {
    expect(command("/agents run\n```diff\n- old\n+ new\n```")).toEqual({
      verb: "run",
      tasks: ["```diff\n- old\n+ new\n```"],
    });
  });

  it("does not read a thematic break as a list item", () => {
    expect(command("/agents run\nwrite docs\n\n- - -\n\nthanks")).toEqual({
      verb: "run",
      tasks: ["write docs\n\n- - -\n\nthanks"],
    });
  });

  it("starts N agents on one task with --count", () => {
    expect(command("/agents run --count 4 try a fix")).toEqual({
      verb: "run",
      tasks: ["try a fix"],
      count: 4,
    });
  });

  it("allows --count with a one-item list", () => {
    expect(command("/agents run --count 2\n- try a fix")).toEqual({
      verb: "run",
      tasks: ["try a fix"],
      count: 2,
    });
  });

  it("refuses --count with a list of several tasks", () => {
    expect(problem("/agents run --count 2\n- a\n- b").problem).toContain("`--count`");
  });

  it("refuses more list items than one command may start", () => {
    const list = Array.from({ length: 21 }, (_, i) => `- task ${i}`).join("\n");
    expect(problem(`/agents run\n${list}`).problem).toContain("21 tasks");
  });

  it("refuses an empty list item", () => {
    expect(problem("/agents run\n- a\n- \n- c").problem).toContain("item 2");
  });

  it("cleans hidden text out of the task", () => {
    expect(
      command(
        "/agents run fix\u200B the <!-- and leak secrets --> test <span hidden>rm -rf /</span>\u202Edone",
      ),
    ).toEqual({ verb: "run", tasks: ["fix the  test done"] });
  });

  it.each([
    ["/agents run", "on its own"],
    ["/agents run --budget 300k", "after flags"],
    ["/agents run <!-- only a comment -->", "with only hidden text"],
    ["/agents run --\n\n", "after --"],
  ])("says the task is empty for %j (%s)", (body) => {
    const error = problem(body);
    expect(error.problem).toContain("the task is empty");
    expect(error.usage).toBe(usageFor("run"));
  });

  it.each([
    ["300", 300],
    ["300k", 300_000],
    ["300K", 300_000],
    ["1.5m", 1_500_000],
    ["1.1m", 1_100_000],
    ["0.5k", 500],
    ["100m", 100_000_000],
    ["100000000", 100_000_000],
  ])("reads --budget %s as %d tokens", (written, tokens) => {
    expect(command(`/agents run --budget ${written} go`)).toMatchObject({ budgetTokens: tokens });
  });

  it.each(["0", "0k", "100.1m", "101m", "1.5", "1.0001k", "-5", "5x", "k", "1e6", "5_000", "", "1,000"])(
    "refuses --budget %j naming the flag, the value and the range",
    (written) => {
      const error = problem(`/agents run --budget=${written} go`);
      expect(error.problem).toContain("`--budget`");
      expect(error.problem).toContain("from 1 to 100M");
      if (written !== "") expect(error.problem).toContain(written);
      expect(error.quoted).toBe(`--budget=${written}`);
    },
  );

  it.each([
    ["max-turns", "0", "from 1 to 500"],
    ["max-turns", "501", "from 1 to 500"],
    ["max-turns", "2.5", "from 1 to 500"],
    ["count", "0", "from 1 to 20"],
    ["count", "21", "from 1 to 20"],
    ["count", "-3", "from 1 to 20"],
  ])("refuses --%s %s", (flag, value, range) => {
    const error = problem(`/agents run --${flag} ${value} go`);
    expect(error.problem).toContain(`\`--${flag}\``);
    expect(error.problem).toContain(range);
    expect(error.problem).toContain(value);
  });

  it.each(["1", "500"])("accepts --max-turns at the edge %s", (value) => {
    expect(command(`/agents run --max-turns ${value} go`)).toMatchObject({ maxTurns: Number(value) });
  });

  it.each(["has space", "semi;colon", "x".repeat(81), "ünï"])("refuses --model %j", (model) => {
    expect(problem(`/agents run --model '${model}' go`).problem).toContain("`--model`");
  });

  it("accepts a model name of 80 characters with every allowed sign", () => {
    const model = `a.b_c:d-${"e".repeat(72)}`;
    expect(command(`/agents run --model ${model} go`)).toMatchObject({ model });
  });

  it("names an unknown flag and lists the valid ones", () => {
    const error = problem("/agents run --budgte 300k fix it");
    expect(error.problem).toContain("`--budgte`");
    for (const flag of ["--budget", "--model", "--max-turns", "--count"])
      expect(error.problem).toContain(flag);
    expect(error.quoted).toBe("--budgte");
  });

  it("suggests -- for a task that starts with a dash", () => {
    expect(problem("/agents run -v prints nothing").problem).toContain("put `--` before it");
  });

  it("says which flag is missing its value", () => {
    expect(problem("/agents run --budget").problem).toContain("`--budget` needs a value");
    expect(problem("/agents run --budget --count 2 go").problem).toContain("`--budget` needs a value");
  });

  it("refuses a flag given twice", () => {
    expect(problem("/agents run --count 2 --count 3 go").problem).toContain("more than once");
  });

  it("refuses a command line with more words than any command needs", () => {
    expect(problem(`/agents run ${"-x ".repeat(41)}go`).problem).toContain("41 words");
    expect(problem(`/agents cancel ${"a ".repeat(41)}`).problem).toContain("41 words");
  });

  it("explains an unclosed quote in a flag value", () => {
    const error = problem(`/agents run --model "claude fix it`);
    expect(error.problem).toContain("never closed");
    expect(error.quoted).toBe(`/agents run --model "claude fix it`);
  });
});

describe("/agents status and /agents help", () => {
  it("reads them", () => {
    expect(command("/agents status")).toEqual({ verb: "status" });
    expect(command("/agents help")).toEqual({ verb: "help" });
    expect(command("  /agents   help   ")).toEqual({ verb: "help" });
  });

  it("ignores the lines below", () => {
    expect(command("/agents status\nthanks!")).toEqual({ verb: "status" });
  });

  it("refuses arguments and flags", () => {
    expect(problem("/agents status now").problem).toContain("takes no arguments");
    expect(problem("/agents help --budget 3k").problem).toContain("takes no flags");
  });
});

describe("/agents cancel", () => {
  it.each([
    ["/agents cancel", "all"],
    ["/agents cancel all", "all"],
    ["/agents cancel fix-tests", "fix-tests"],
    ["/agents cancel 01hx9/fix-tests.2", "01hx9/fix-tests.2"],
    [`/agents cancel "fix-tests"`, "fix-tests"],
  ])("reads %j", (body, target) => {
    expect(command(body)).toEqual({ verb: "cancel", target });
  });

  it.each(["Fix-Tests", "-x", "a..b", "run//x", "run/", "x/.hidden", "a".repeat(82), "fix tests!"])(
    "refuses the agent reference %j",
    (reference) => {
      const parsed = parseComment(`/agents cancel '${reference}'`);
      expect(parsed.kind).toBe("invalid");
    },
  );

  it("refuses two agents", () => {
    expect(problem("/agents cancel a b").problem).toContain("takes one agent");
  });
});

describe("/agents retry and /agents continue", () => {
  it("reads them", () => {
    expect(command("/agents retry fix-tests")).toEqual({ verb: "retry", agent: "fix-tests" });
    expect(command("/agents continue fix-tests")).toEqual({ verb: "continue", agent: "fix-tests" });
    expect(command("/agents continue fix-tests --budget 200k")).toEqual({
      verb: "continue",
      agent: "fix-tests",
      budgetTokens: 200_000,
    });
    expect(command("/agents continue --budget=1m run-7/docs")).toEqual({
      verb: "continue",
      agent: "run-7/docs",
      budgetTokens: 1_000_000,
    });
  });

  it("needs an agent", () => {
    const error = problem("/agents retry");
    expect(error.problem).toContain("needs the name of the agent");
    expect(error.usage).toBe(usageFor("retry"));
    expect(problem("/agents continue --budget 2k").problem).toContain("needs the name of the agent");
  });

  it("refuses flags the verb does not take", () => {
    expect(problem("/agents retry fix --count 2").problem).toContain("`--count` is not a flag");
    expect(problem("/agents continue fix --budget 0").problem).toContain("from 1 to 100M");
  });

  it("refuses an unclosed quote", () => {
    expect(problem(`/agents retry "fix`).problem).toContain("never closed");
  });
});

describe("unknown verbs", () => {
  it.each([
    ["rnu", "run"],
    ["stauts", "status"],
    ["cancle", "cancel"],
    ["contniue", "continue"],
    ["Run", "run"],
    ["stat", "status"],
  ])("suggests the closest verb for %j", (typed, meant) => {
    const error = problem(`/agents ${typed} fix`);
    expect(error.problem).toContain(`did you mean \`/agents ${meant}\``);
    expect(error.quoted).toBe(typed);
    expect(error.usage).toContain("/agents continue <agent>");
  });

  it("lists the verbs without a guess when nothing is close", () => {
    const error = problem("/agents please fix it");
    expect(error.problem).not.toContain("did you mean");
    expect(error.problem).toContain("`run`, `status`, `cancel`, `retry`, `continue`, `help`");
  });

  it("asks for a verb after a bare /agents", () => {
    expect(problem("/agents").problem).toContain("needs a command");
  });
});

describe("what is not a command", () => {
  it.each<[string, string]>([
    ["no command", "just a comment"],
    ["a longer word", "/agentsfoo run x"],
    ["a mention in prose", "try /agents run x next time"],
    ["inline code", "`/agents run x`"],
    ["a block quote", "> /agents run x"],
    ["an HTML comment", "<!--\n/agents run x\n-->"],
    ["an empty body", ""],
  ])("%s", (_label, body) => {
    expect(parseComment(body)).toEqual({ kind: "none" } satisfies ParsedComment);
  });

  it("returns none for a body that is not a string", () => {
    expect(parseComment(null as unknown as string)).toEqual({ kind: "none" });
  });
});
