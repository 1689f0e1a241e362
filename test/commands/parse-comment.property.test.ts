// Property tests: parseComment answers every input (random text, huge text, odd Unicode,
// shell and markdown syntax in odd places) with a well-formed result, and valid commands
// written in any allowed way read back as exactly the command that was written.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AgentCommand, ParsedComment } from "../../src/commands/agent-command.ts";
import { cleanTaskText } from "../../src/commands/clean-task-text.ts";
import { AGENT_REFERENCE, LIMITS, MODEL_NAME } from "../../src/commands/grammar.ts";
import { parseComment } from "../../src/commands/parse-comment.ts";
import { HIDDEN_CHARACTER } from "./hidden-character.ts";

function expectWholeNumberIn(value: number | undefined, min: number, max: number): void {
  if (value === undefined) return;
  expect(Number.isInteger(value)).toBe(true);
  expect(value).toBeGreaterThanOrEqual(min);
  expect(value).toBeLessThanOrEqual(max);
}

function expectAgentReference(reference: string): void {
  expect(reference).toMatch(AGENT_REFERENCE);
  expect(reference).not.toMatch(/\.\.|\/\/|\/$|\.$|\/\./);
}

/** Checks a result against the grammar's rules, independently of how the parser got there. */
function expectWellFormed(parsed: ParsedComment): void {
  if (parsed.kind === "none") {
    expect(Object.keys(parsed)).toEqual(["kind"]);
    return;
  }
  if (parsed.kind === "invalid") {
    expect(Object.keys(parsed.error).sort()).toEqual(["problem", "quoted", "usage"]);
    expect(parsed.error.problem.trim()).not.toBe("");
    expect(parsed.error.usage.trim()).not.toBe("");
    expect(typeof parsed.error.quoted).toBe("string");
    expect(parsed.error.quoted.length).toBeLessThanOrEqual(201);
    return;
  }
  expectValidCommand(parsed.command);
}

function expectValidCommand(command: AgentCommand): void {
  for (const value of Object.values(command)) expect(value).not.toBeUndefined();
  switch (command.verb) {
    case "run": {
      const allowedKeys = ["verb", "tasks", "budgetTokens", "model", "maxTurns", "count"];
      for (const key of Object.keys(command)) expect(allowedKeys).toContain(key);
      expect(command.tasks.length).toBeGreaterThanOrEqual(1);
      expect(command.tasks.length).toBeLessThanOrEqual(LIMITS.tasksPerCommand);
      for (const task of command.tasks) {
        expect(task).not.toBe("");
        expect(task).toBe(task.trim());
        expect(task).not.toMatch(HIDDEN_CHARACTER);
        expect(task).not.toContain("\r");
        expect(task.normalize("NFC")).toBe(task);
        expect(task.isWellFormed()).toBe(true);
      }
      expectWholeNumberIn(command.budgetTokens, 1, 100_000_000);
      expectWholeNumberIn(command.maxTurns, 1, 500);
      expectWholeNumberIn(command.count, 1, 20);
      if (command.model !== undefined) expect(command.model).toMatch(MODEL_NAME);
      if (command.count !== undefined) expect(command.tasks).toHaveLength(1);
      return;
    }
    case "status":
    case "help":
      expect(Object.keys(command)).toEqual(["verb"]);
      return;
    case "cancel":
      expect(Object.keys(command).sort()).toEqual(["target", "verb"]);
      if (command.target !== "all") expectAgentReference(command.target);
      return;
    case "retry":
      expect(Object.keys(command).sort()).toEqual(["agent", "verb"]);
      expectAgentReference(command.agent);
      return;
    case "continue":
      for (const key of Object.keys(command)) expect(["verb", "agent", "budgetTokens"]).toContain(key);
      expectAgentReference(command.agent);
      expectWholeNumberIn(command.budgetTokens, 1, 100_000_000);
      return;
  }
}

/** Parses, checks the result is well formed, and returns it. */
function parsedWell(body: string): ParsedComment {
  const parsed = parseComment(body);
  expectWellFormed(parsed);
  return parsed;
}

// Pieces that meet every rule of the grammar and of the markdown it lives in.
const PIECES = [
  "/agents",
  "/agents ",
  "/agents run ",
  "/agents run\n",
  "/agents status",
  "/agents cancel ",
  "/agents retry ",
  "/agents continue ",
  "/agents help",
  "/agentsfoo",
  "/Agents",
  "  /agents run ",
  "\n/agents run ",
  "--budget ",
  "--budget=",
  "--model ",
  "--model=",
  "--max-turns ",
  "--count ",
  "--",
  "-- ",
  "-",
  "-x ",
  "--bogus ",
  "300k",
  "1.5m",
  "100m",
  "101m",
  "0",
  "-3",
  "20",
  "21",
  "500",
  "501",
  "1e6",
  "1.0001k",
  "99999999999999999999",
  "'",
  '"',
  "\\",
  "`",
  "``",
  "```",
  "~~~",
  "````",
  "```sh\n",
  ">",
  "> ",
  "- ",
  "* ",
  "+ ",
  "1. ",
  "2) ",
  "- [ ] ",
  "- - -",
  "\n",
  "\n\n",
  "\r\n",
  "\r",
  "\t",
  " ",
  "\u00A0",
  "<!--",
  "-->",
  "<!-->",
  "<div hidden>",
  "</div>",
  '<span style="display:none">',
  "</span>",
  "<b>",
  "</b>",
  "<script>",
  "</script>",
  "<?",
  "?>",
  "<![CDATA[",
  "]]>",
  "<!DOCTYPE x>",
  "[//]: # (x)",
  "<",
  ">",
  "&&",
  "|",
  ";",
  "$(rm -rf /)",
  "$HOME",
  "*",
  "#",
  "don't",
  "it's",
  '"flaky"',
  "all",
  "fix-tests",
  "run-1/fix",
  "Fix",
  "a..b",
  "run//x",
  "x/",
  "status",
  "cancel",
  "retry",
  "continue",
  "help",
  "rnu",
  "stauts",
  "\u200B",
  "\u200D",
  "\u202E",
  "\u2066",
  "\uFEFF",
  "\u00AD",
  "\u{E0041}",
  "\u{E007F}",
  "\u{1F600}",
  "👩‍💻",
  "\uFE0F",
  "\u0301",
  "e\u0301",
  "\uD800",
  "\uDC00",
  "中文",
  "مرحبا",
  "\u0000",
  "\u001B[31m",
];

const piece = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...PIECES) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 12 }) },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z0-9][a-z0-9._/-]{0,12}$/) },
);
const soup = fc.array(piece, { maxLength: 40 }).map((parts) => parts.join(""));

const line = fc.oneof(
  soup,
  fc
    .tuple(fc.constantFrom("", "  ", "> ", "- "), fc.constantFrom("/agents ", "/agents"), soup)
    .map((parts) => parts.join("")),
  fc.constantFrom("```", "~~~", "````", "```js", "> ```", "  ```", "", "- item", "1. item", "<!--", "-->"),
);
const structured = fc.array(line, { maxLength: 12 }).map((lines) => lines.join("\n"));

const HUGE_LENGTH = 100_000;
const PATHOLOGICAL = [
  '<a x="',
  "`",
  "``",
  "<?",
  "<!x",
  "<![CDATA[",
  "<!--",
  "\\",
  "'",
  '"',
  "--count 1 ",
  "- a\n",
  "```\n",
  "> ",
  "<div hidden>",
  "<b ",
  "\u200B",
  "\u{1F600}",
  "\u202E",
  " ",
  "\n",
  "\n\n",
  "[//]: # (x)\n",
  "-",
];
const huge = fc
  .tuple(
    fc.constantFrom("", "/agents run ", "/agents run\n", "/agents cancel ", "hi\n/agents run --budget 300k "),
    fc.oneof(
      fc.constantFrom(...PATHOLOGICAL),
      soup.filter((text) => text.length > 0),
    ),
    fc.constantFrom("", "\n/agents status", "-->", "```"),
  )
  .map(
    ([head, unit, tail]) =>
      head + unit.repeat(Math.ceil(HUGE_LENGTH / unit.length)).slice(0, HUGE_LENGTH) + tail,
  );

describe("parseComment on any input", () => {
  it("answers random text with a well-formed result", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 400 }), (body) => void parsedWell(body)),
      {
        numRuns: 2000,
      },
    );
  });

  it("answers comments built from command, markdown, shell and Unicode pieces", () => {
    fc.assert(
      fc.property(soup, (body) => void parsedWell(body)),
      { numRuns: 4000 },
    );
  });

  it("answers multi-line comments with commands among fences, quotes and lists", () => {
    fc.assert(
      fc.property(structured, (body) => void parsedWell(body)),
      { numRuns: 3000 },
    );
  });

  it("answers comments of about 100 KB in reasonable time", () => {
    fc.assert(
      fc.property(huge, (body) => {
        const started = performance.now();
        parsedWell(body);
        expect(performance.now() - started).toBeLessThan(2000);
      }),
      { numRuns: 40 },
    );
  });

  it("finds no command where the cleaned text has no /agents", () => {
    fc.assert(
      fc.property(soup, (body) => {
        if (!cleanTaskText(body).includes("/agents")) expect(parseComment(body)).toEqual({ kind: "none" });
      }),
      { numRuns: 1000 },
    );
  });

  it("is not changed by a quoted or fenced command placed before the comment", () => {
    const hiddenCommand = fc.constantFrom(
      "```\n/agents run evil\n```\n",
      "~~~~\n/agents cancel all\n~~~~\n",
      "> /agents run evil\n\n",
      "> /agents status\n",
    );
    fc.assert(
      fc.property(hiddenCommand, structured, (prefix, body) => {
        expect(parseComment(prefix + body)).toEqual(parseComment(body));
      }),
      { numRuns: 1000 },
    );
  });
});

// Valid commands, written in every allowed way, must read back exactly.
const agentReference = fc
  .tuple(
    fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,20}$/),
    fc.option(fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,20}$/)),
  )
  .map(([run, name]) => (name === null ? run : `${run}/${name}`));

/** The ways to write a token count: plain, and with k or m when exact. */
const writtenBudget = fc.integer({ min: 1, max: 100_000_000 }).chain((tokens) => {
  const forms = [String(tokens)];
  if (tokens % 1000 === 0) forms.push(`${tokens / 1000}k`, `${tokens / 1000}K`);
  if (tokens % 1_000_000 === 0) forms.push(`${tokens / 1_000_000}m`);
  if (tokens % 100_000 === 0) forms.push(`${(tokens / 1_000_000).toFixed(1)}m`);
  return fc.constantFrom(...forms).map((written) => ({ tokens, written }));
});

/** One flag as a command-line word (or two), in any allowed spelling and quoting. */
function writtenFlag(name: string, value: string): fc.Arbitrary<string> {
  return fc.constantFrom(
    `--${name} ${value}`,
    `--${name}=${value}`,
    `--${name} '${value}'`,
    `--${name} "${value}"`,
    `--${name}='${value}'`,
    `--${name}="${value}"`,
  );
}

const proseUnit = fc.oneof(
  fc.constantFrom(..."abcdefghij XYZ 0123 .,;:!? '\"()[]{}$|&;*#@%^=+~/\\-_".split("")),
  fc.constantFrom(
    "don't",
    "it's",
    '"flaky"',
    "--budget 5k",
    "\u200B",
    "\u202E",
    "é",
    "中",
    "🎉",
    "👩‍💻",
    "\n",
    "\t",
  ),
);
const prose = fc.string({ unit: proseUnit, minLength: 1, maxLength: 80 });

/** The task an agent should receive for `text`: what a reader sees, trimmed. */
function expectedTask(text: string): string {
  return cleanTaskText(text).trim();
}

describe("parseComment reads back valid commands", () => {
  it("run with any flags, in any order and spelling, and any prose task", () => {
    const flags = fc.record(
      {
        budget: writtenBudget,
        model: fc.stringMatching(/^[a-zA-Z0-9._:-]{1,80}$/),
        maxTurns: fc.integer({ min: 1, max: 500 }),
        count: fc.integer({ min: 1, max: 20 }),
      },
      { requiredKeys: [] },
    );
    const run = flags.chain((chosen) => {
      const words: fc.Arbitrary<string>[] = [];
      if (chosen.budget) words.push(writtenFlag("budget", chosen.budget.written));
      if (chosen.model !== undefined) words.push(writtenFlag("model", chosen.model));
      if (chosen.maxTurns !== undefined) words.push(writtenFlag("max-turns", String(chosen.maxTurns)));
      if (chosen.count !== undefined) words.push(writtenFlag("count", String(chosen.count)));
      return fc.tuple(
        fc.constant(chosen),
        fc.tuple(...words).chain((written) => fc.shuffledSubarray(written, { minLength: written.length })),
        prose,
        fc.boolean(),
        fc.constantFrom("", "Hi!\n", "> quoted\n\n", "```\n/agents run nope\n```\n"),
      );
    });
    fc.assert(
      fc.property(run, ([chosen, flagWords, task, separate, before]) => {
        const head = cleanTaskText(task).split("\n")[0] ?? "";
        // Without `--`, a task must start with a visible word that is not a flag.
        fc.pre(separate || (head.trim() !== "" && !head.trimStart().startsWith("-")));
        fc.pre(expectedTask(task) !== "");
        const body = `${before}/agents run ${flagWords.join(" ")} ${separate ? "-- " : ""}${task}`;
        const expected: AgentCommand = { verb: "run", tasks: [expectedTask(task)] };
        if (chosen.budget) expected.budgetTokens = chosen.budget.tokens;
        if (chosen.model !== undefined) expected.model = chosen.model;
        if (chosen.maxTurns !== undefined) expected.maxTurns = chosen.maxTurns;
        if (chosen.count !== undefined) expected.count = chosen.count;
        const parsed = parsedWell(body);
        if (head.trim() === "") {
          // The task begins on a later line; it may have been read as a list.
          expect(parsed.kind).not.toBe("none");
          return;
        }
        expect(parsed).toEqual({ kind: "command", command: expected });
      }),
      { numRuns: 1500 },
    );
  });

  it("run with a list below reads one task per item", () => {
    const item = fc
      .string({
        unit: fc.constantFrom(..."abc XYZ 019 .,;:!?'\"()$|&*#@=+~/-_é中🎉\u200B\u202E"),
        minLength: 1,
        maxLength: 40,
      })
      .filter((text) => expectedTask(text) !== "");
    const marker = fc.constantFrom("- ", "* ", "+ ", "1. ", "2) ", "- [ ] ", "* [x] ");
    fc.assert(
      fc.property(fc.array(fc.tuple(marker, item), { minLength: 1, maxLength: 20 }), (items) => {
        const lines = items.map(([mark, text]) => mark + text);
        // `- --` or `* * *` is a thematic break (a rule), not an item, in markdown as here.
        fc.pre(lines.every((line) => !/^[-*_](?:[ \t]*[-*_]){2,}[ \t]*$/.test(cleanTaskText(line))));
        const body = `/agents run --max-turns 9\n${lines.join("\n")}`;
        expect(parsedWell(body)).toEqual({
          kind: "command",
          command: { verb: "run", tasks: items.map(([, text]) => expectedTask(text)), maxTurns: 9 },
        });
      }),
      { numRuns: 500 },
    );
  });

  it("cancel, retry and continue with any valid agent reference", () => {
    fc.assert(
      fc.property(agentReference, fc.option(writtenBudget), fc.boolean(), (agent, budget, quote) => {
        const written = quote ? `'${agent}'` : agent;
        expect(parsedWell(`/agents cancel ${written}`)).toEqual({
          kind: "command",
          command: { verb: "cancel", target: agent },
        });
        expect(parsedWell(`/agents retry ${written}`)).toEqual({
          kind: "command",
          command: { verb: "retry", agent },
        });
        const continued = parsedWell(
          `/agents continue ${written}${budget ? ` --budget ${budget.written}` : ""}`,
        );
        expect(continued).toEqual({
          kind: "command",
          command: budget
            ? { verb: "continue", agent, budgetTokens: budget.tokens }
            : { verb: "continue", agent },
        });
      }),
      { numRuns: 500 },
    );
  });

  it("refuses any out-of-range value, naming the flag", () => {
    const outOfRange = fc.oneof(
      fc.tuple(fc.constant("budget"), fc.integer({ min: 100_000_001, max: 2 ** 40 }).map(String)),
      fc.tuple(fc.constant("budget"), fc.constantFrom("0", "0k", "0.0m")),
      fc.tuple(fc.constant("max-turns"), fc.integer({ min: 501, max: 10 ** 9 }).map(String)),
      fc.tuple(fc.constant("max-turns"), fc.constant("0")),
      fc.tuple(fc.constant("count"), fc.integer({ min: 21, max: 10 ** 9 }).map(String)),
      fc.tuple(fc.constant("count"), fc.integer({ min: -(10 ** 6), max: 0 }).map(String)),
    );
    fc.assert(
      fc.property(outOfRange, prose, ([flag, value], task) => {
        const parsed = parsedWell(`/agents run --${flag} ${value} go ${task}`);
        expect(parsed.kind).toBe("invalid");
        expect(parsed.kind === "invalid" && parsed.error.problem).toContain(`\`--${flag}\``);
      }),
      { numRuns: 500 },
    );
  });
});
