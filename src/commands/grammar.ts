// The `/agents` command language in one place: verbs, their arguments and flags, and the limits
// on every value. The parser and the help text are both generated from these tables, so a
// change here changes what is accepted and what `/agents help` says together.

import { formatTokens } from "../text/format-tokens.ts";
import { parseTokenCount } from "./token-count.ts";

export const COMMAND_WORD = "/agents";

export const VERBS = ["run", "status", "cancel", "retry", "continue", "help"] as const;
export type Verb = (typeof VERBS)[number];

export const LIMITS = {
  budgetTokens: { min: 1, max: 100_000_000 },
  maxTurns: { min: 1, max: 500 },
  count: { min: 1, max: 20 },
  /** Most tasks one `/agents run` may list (one agent each). */
  tasksPerCommand: 20,
} as const;

export const MODEL_NAME = /^[a-zA-Z0-9._:-]{1,80}$/;
export const AGENT_REFERENCE = /^[a-z0-9][a-z0-9._/-]{0,80}$/;

export type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };

export interface FlagValues {
  budget?: number;
  model?: string;
  "max-turns"?: number;
  count?: number;
  stack?: boolean;
}
export type FlagName = keyof FlagValues;
export const FLAG_NAMES: readonly FlagName[] = ["budget", "model", "max-turns", "count", "stack"];

export interface FlagSpec<T> {
  /** Placeholder for the value in usage lines: `--budget TOKENS`; empty for a switch, which takes none. */
  valueName: string;
  summary: string;
  /** The allowed values in words; errors and help both show it. */
  allowed: string;
  example: string;
  check(raw: string): Checked<T>;
}

function wholeNumberIn(range: { min: number; max: number }): FlagSpec<number>["check"] {
  return (raw) => {
    const value = /^\d{1,9}$/.test(raw) ? Number(raw) : Number.NaN;
    if (value >= range.min && value <= range.max) return { ok: true, value };
    return { ok: false, problem: `must be a whole number from ${range.min} to ${range.max}` };
  };
}

const budgetAllowed = `a number of tokens from ${formatTokens(LIMITS.budgetTokens.min)} to ${formatTokens(LIMITS.budgetTokens.max)}, like \`300000\`, \`300k\` or \`1.5M\``;

export const FLAGS: { readonly [K in FlagName]: FlagSpec<NonNullable<FlagValues[K]>> } = {
  budget: {
    valueName: "TOKENS",
    summary: "the token budget of each agent it starts",
    allowed: budgetAllowed,
    example: "--budget 300k",
    check(raw) {
      const tokens = parseTokenCount(raw);
      if (tokens !== undefined && tokens >= LIMITS.budgetTokens.min && tokens <= LIMITS.budgetTokens.max) {
        return { ok: true, value: tokens };
      }
      return { ok: false, problem: `must be ${budgetAllowed}` };
    },
  },
  model: {
    valueName: "NAME",
    summary: "the model the agents use",
    allowed: "a model name of letters, digits and `. _ : -`, at most 80 characters",
    example: "--model claude-sonnet-4-5",
    check(raw) {
      if (MODEL_NAME.test(raw)) return { ok: true, value: raw };
      return {
        ok: false,
        problem: "must be a model name of letters, digits and `. _ : -`, at most 80 characters",
      };
    },
  },
  "max-turns": {
    valueName: "N",
    summary: "the most turns each agent may take",
    allowed: `a whole number from ${LIMITS.maxTurns.min} to ${LIMITS.maxTurns.max}`,
    example: "--max-turns 50",
    check: wholeNumberIn(LIMITS.maxTurns),
  },
  count: {
    valueName: "N",
    summary: "how many agents to start on the same task",
    allowed: `a whole number from ${LIMITS.count.min} to ${LIMITS.count.max}; not with a list of tasks`,
    example: "--count 3",
    check: wholeNumberIn(LIMITS.count),
  },
  stack: {
    valueName: "",
    summary:
      "on an issue with a task list: a chain of pull requests, one per item, each on top of the previous",
    allowed: "no value: `--stack` alone",
    example: "--stack",
    check: () => ({ ok: true, value: true }),
  },
};

/** Whether a flag is a switch (`--stack`), given without a value. */
export function isSwitch(name: FlagName): boolean {
  return FLAGS[name].valueName === "";
}

/** What follows the verb besides flags. */
type ArgumentKind =
  | "none"
  /** free text: the rest of the line and all lines below it */
  | "task"
  /** one required agent reference */
  | "agent"
  /** an agent reference or `all`, default `all` */
  | "target";

export interface VerbSpec {
  summary: string;
  argument: ArgumentKind;
  flags: readonly FlagName[];
  notes: readonly string[];
  examples: readonly string[];
}

export const GRAMMAR: { readonly [V in Verb]: VerbSpec } = {
  run: {
    summary: "Start agents on a task.",
    argument: "task",
    flags: ["budget", "model", "max-turns", "count", "stack"],
    notes: [
      "The task is the rest of the command line and every line below it. Flags count only before the task starts; later they are part of the task.",
      `When the command line ends after the flags and the lines below hold a list (\`- item\`, \`* item\`, \`1. item\`), each item starts its own agent (at most ${LIMITS.tasksPerCommand}); other text around the list is given to every one of them. On a pull request each agent opens its own pull request against it; on an issue they work as sub-agents of one agent that merges their branches and opens one pull request that fixes the issue.`,
      "`--stack` (on an issue, with a list) opens a chain of pull requests instead: one per item, in list order, each on top of the previous, the last one fixing the issue.",
      "To start a task with `-`, put `--` before it.",
    ],
    examples: [
      "/agents run fix the flaky test in `test/queue.test.ts`",
      "/agents run --budget 300k --count 3 make the build faster",
      "/agents run --model claude-sonnet-4-5\n- fix the flaky test\n- update the changelog",
      "/agents run --stack\n- add the parser\n- use it in the CLI",
    ],
  },
  status: {
    summary: "Show the agents started from this issue or pull request.",
    argument: "none",
    flags: [],
    notes: [],
    examples: ["/agents status"],
  },
  cancel: {
    summary: "Stop one agent (and its children), or all of them.",
    argument: "target",
    flags: [],
    notes: [],
    examples: ["/agents cancel fix-tests", "/agents cancel all"],
  },
  retry: {
    summary: "Start a finished or failed agent again from the start.",
    argument: "agent",
    flags: [],
    notes: [],
    examples: ["/agents retry fix-tests"],
  },
  continue: {
    summary: "Let an agent that stopped (for example, out of budget) go on where it stopped.",
    argument: "agent",
    flags: ["budget"],
    notes: [],
    examples: ["/agents continue fix-tests --budget 200k"],
  },
  help: {
    summary: "Show this help.",
    argument: "none",
    flags: [],
    notes: [],
    examples: ["/agents help"],
  },
};

export const AGENT_REFERENCE_RULE =
  "an agent name as `/agents status` shows it, like `fix-tests` or `run-id/fix-tests`: lowercase letters, digits and `. _ / -`, starting with a letter or digit";

/** An agent name (`fix-tests`) or run-qualified name (`run-id/fix-tests`) that is safe to look up. */
export function checkAgentReference(raw: string): Checked<string> {
  const wellFormed =
    AGENT_REFERENCE.test(raw) &&
    !raw.includes("..") &&
    !raw.includes("//") &&
    !raw.endsWith("/") &&
    !raw.endsWith(".") &&
    !raw.includes("/.");
  if (wellFormed) return { ok: true, value: raw };
  return { ok: false, problem: `is not ${AGENT_REFERENCE_RULE}` };
}

/** The usage line of a verb, e.g. `/agents continue <agent> [--budget TOKENS]`. */
export function usageLine(verb: Verb): string {
  const spec = GRAMMAR[verb];
  const flags = spec.flags.map((name) =>
    isSwitch(name) ? `[--${name}]` : `[--${name} ${FLAGS[name].valueName}]`,
  );
  const argument = { none: [], task: ["<task>"], agent: ["<agent>"], target: ["[agent|all]"] }[spec.argument];
  const parts = spec.argument === "task" ? [...flags, ...argument] : [...argument, ...flags];
  return [COMMAND_WORD, verb, ...parts].join(" ");
}

export function isVerb(word: string): word is Verb {
  return VERBS.some((verb) => verb === word);
}
