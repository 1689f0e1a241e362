// Reads a verb's flags and positional words with node's `parseArgs` (strict), then checks each
// value against the grammar. When `parseArgs` refuses the words, they are read again
// leniently only to name the offending flag in words a commenter can act on.
import { type ParseArgsOptionsConfig, parseArgs } from "node:util";
import { inlineCode } from "../text/markdown-code.ts";
import { FLAG_NAMES, FLAGS, type FlagName, type FlagValues, isSwitch } from "./grammar.ts";

export type FlagsResult =
  | { ok: true; values: FlagValues; positionals: string[] }
  | { ok: false; problem: string; quoted: string };

type ArgToken = NonNullable<ReturnType<typeof parseArgs>["tokens"]>[number];
type OptionToken = Extract<ArgToken, { kind: "option" }>;

export interface ParseFlagsOptions {
  /** Free task text may follow the flags, so a word starting with `-` may be meant as the task. */
  taskFollows: boolean;
  /** The text each of `args` was read from, quoted in problems; by default the words are rebuilt. */
  sources?: readonly string[];
}

/**
 * No real command has more than a handful of words before its task; the bound also keeps
 * `parseArgs` (which shifts its argument array, quadratic in its length) fast on hostile input.
 */
const MAX_COMMAND_WORDS = 40;

export function parseFlags(
  args: string[],
  allowed: readonly FlagName[],
  options: ParseFlagsOptions,
): FlagsResult {
  if (args.length > MAX_COMMAND_WORDS) {
    return {
      ok: false,
      problem: `the command line is too long: it has ${args.length} words before the task, and a command takes at most ${MAX_COMMAND_WORDS}`,
      quoted: args.slice(0, 10).join(" "),
    };
  }
  const parseOptions: ParseArgsOptionsConfig = {};
  for (const name of allowed) parseOptions[name] = { type: isSwitch(name) ? "boolean" : "string" };
  let tokens: ArgToken[];
  let positionals: string[];
  try {
    const parsed = parseArgs({
      args,
      options: parseOptions,
      strict: true,
      allowPositionals: true,
      tokens: true,
    });
    tokens = parsed.tokens;
    positionals = parsed.positionals;
  } catch (error) {
    return explainRefusal(args, parseOptions, allowed, options, error);
  }
  const values: FlagValues = {};
  const seen = new Set<FlagName>();
  for (const token of tokens) {
    if (token.kind !== "option") continue;
    const name = allowed.find((flag) => flag === token.name);
    if (name === undefined) return unknownFlag(token.rawName, allowed, options);
    if (seen.has(name)) {
      return {
        ok: false,
        problem: `${inlineCode(token.rawName)} is given more than once`,
        quoted: token.rawName,
      };
    }
    seen.add(name);
    const problem = setFlagValue(values, name, token.value);
    if (problem !== undefined) return { ok: false, problem, quoted: writtenAs(token, options) };
  }
  return { ok: true, values, positionals };
}

/** Stores the checked value of one flag; returns the problem when the value is missing or not allowed. */
function setFlagValue<K extends FlagName>(
  values: FlagValues,
  name: K,
  raw: string | undefined,
): string | undefined {
  const flag = FLAGS[name];
  // The one switch; `check` is for values.
  if (name === "stack") {
    if (raw !== undefined)
      return `${inlineCode(`--${name}`)} takes no value: write ${inlineCode(`--${name}`)} alone`;
    values.stack = true;
    return undefined;
  }
  const looksLikeAFlag = (word: string): boolean =>
    FLAG_NAMES.some((known) => word === `--${known}` || word.startsWith(`--${known}=`));
  if (raw === undefined || raw === "" || looksLikeAFlag(raw)) {
    return `${inlineCode(`--${name}`)} needs a value: ${flag.allowed}, as in ${inlineCode(flag.example)}`;
  }
  const checked = flag.check(raw);
  if (!checked.ok) return `${inlineCode(`--${name}`)} ${checked.problem}; you wrote ${inlineCode(raw)}`;
  values[name] = checked.value;
  return undefined;
}

/** Names what `parseArgs` refused, reading the words again leniently (strict is off only here). */
function explainRefusal(
  args: string[],
  parseOptions: ParseArgsOptionsConfig,
  allowed: readonly FlagName[],
  options: ParseFlagsOptions,
  error: unknown,
): FlagsResult {
  const { tokens } = parseArgs({
    args,
    options: parseOptions,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  for (const token of tokens) {
    if (token.kind !== "option") continue;
    const name = allowed.find((flag) => flag === token.name);
    if (name === undefined)
      return unknownFlag(
        options.sources?.[token.index] ?? args[token.index] ?? token.rawName,
        allowed,
        options,
      );
    const problem = setFlagValue({}, name, token.value);
    if (problem !== undefined) return { ok: false, problem, quoted: writtenAs(token, options) };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    ok: false,
    problem: `the flags could not be read: ${inlineCode(message, 200)}`,
    quoted: args.join(" "),
  };
}

function unknownFlag(written: string, allowed: readonly FlagName[], options: ParseFlagsOptions): FlagsResult {
  const valid = allowed.map((name) => inlineCode(`--${name}`)).join(", ");
  const flags = allowed.length === 0 ? "this command takes no flags" : `its flags are ${valid}`;
  const dashHint = options.taskFollows
    ? `. To start a task with ${inlineCode("-")}, put ${inlineCode("--")} before it`
    : "";
  return {
    ok: false,
    problem: `${inlineCode(written)} is not a flag of this command; ${flags}${dashHint}`,
    quoted: written,
  };
}

function writtenAs(token: OptionToken, options: ParseFlagsOptions): string {
  const source = options.sources?.[token.index];
  if (source !== undefined) return source;
  if (token.value === undefined) return token.rawName;
  return token.inlineValue ? `${token.rawName}=${token.value}` : `${token.rawName} ${token.value}`;
}
