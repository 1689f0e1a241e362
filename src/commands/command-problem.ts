// Builds the CommandProblem for a command that cannot be run: the problem, the text it is
// about (bounded, since replies echo it), and the usage that shows how to write it instead.

import { truncate } from "../text/truncate.ts";
import type { CommandProblem } from "./agent-command.ts";
import type { Verb } from "./grammar.ts";
import { helpText, usageFor } from "./help-text.ts";

const MAX_QUOTED_LENGTH = 200;

/** `verb` picks the usage to show; without it the whole help is shown. */
export function commandProblem(problem: string, quoted: string, verb?: Verb): CommandProblem {
  return {
    problem,
    quoted: truncate(quoted, MAX_QUOTED_LENGTH),
    usage: verb === undefined ? helpText() : usageFor(verb),
  };
}
