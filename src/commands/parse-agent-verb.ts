// Reads the verbs other than `run`: `status`, `cancel [agent|all]`, `retry <agent>`,
// `continue <agent> [--budget N]` and `help`. Their command line is short and has no free
// text, so all of it is split into shell words and flags may come before or after the agent.

import { inlineCode } from "../text/markdown-code.ts";
import type { AgentCommand, ParsedComment } from "./agent-command.ts";
import { commandProblem } from "./command-problem.ts";
import { checkAgentReference, GRAMMAR, usageLine, type Verb } from "./grammar.ts";
import { parseFlags } from "./parse-flags.ts";
import { splitShellWords } from "./split-shell-words.ts";

type AgentVerb = Exclude<Verb, "run">;
type Checked<T> = { ok: true; value: T } | { ok: false; problem: string; quoted: string };

export function parseAgentVerb(verb: AgentVerb, afterVerb: string, line: string): ParsedComment {
  const invalid = (problem: string, quoted: string): ParsedComment => ({
    kind: "invalid",
    error: commandProblem(problem, quoted, verb),
  });
  const split = splitShellWords(afterVerb);
  if (!split.ok) return invalid(split.problem, line);
  const flags = parseFlags(
    split.words.map((word) => word.value),
    GRAMMAR[verb].flags,
    { taskFollows: false },
  );
  if (!flags.ok) return invalid(flags.problem, flags.quoted);
  const argument = readArgument(verb, flags.positionals);
  if (!argument.ok) return invalid(argument.problem, argument.quoted);
  const agent = argument.value;
  const command = (built: AgentCommand): ParsedComment => ({ kind: "command", command: built });
  switch (verb) {
    case "status":
    case "help":
      return command({ verb });
    case "cancel":
      return command({ verb, target: agent ?? "all" });
    case "retry":
    case "continue": {
      if (agent === undefined) {
        return invalid(
          `${inlineCode(usageLine(verb), 120)} needs the name of the agent, as ${inlineCode("/agents status")} shows it`,
          line,
        );
      }
      const budgetTokens = flags.values.budget;
      if (verb === "retry") return command({ verb, agent });
      return command(budgetTokens === undefined ? { verb, agent } : { verb, agent, budgetTokens });
    }
  }
}

/** The verb's agent reference, if one was given; a problem when the words do not fit the verb. */
function readArgument(verb: AgentVerb, positionals: string[]): Checked<string | undefined> {
  const kind = GRAMMAR[verb].argument;
  const usage = inlineCode(usageLine(verb), 120);
  const [first, ...extra] = positionals;
  if (first === undefined) return { ok: true, value: undefined };
  if (kind === "none" || kind === "task") {
    const written = positionals.join(" ");
    return {
      ok: false,
      problem: `${usage} takes no arguments, but ${inlineCode(written)} follows it`,
      quoted: written,
    };
  }
  if (extra.length > 0) {
    const written = extra.join(" ");
    return { ok: false, problem: `${usage} takes one agent; remove ${inlineCode(written)}`, quoted: written };
  }
  if (kind === "target" && first === "all") return { ok: true, value: "all" };
  const checked = checkAgentReference(first);
  if (!checked.ok) return { ok: false, problem: `${inlineCode(first)} ${checked.problem}`, quoted: first };
  return { ok: true, value: checked.value };
}
