// The reply to a command that cannot be run: what is wrong, what was written, how to write
// it, and where to read more. What the commenter wrote is only ever shown inside code, so the
// reply cannot ping people or render their markup.

import { revealInvisibleCharacters } from "../text/invisible-characters.ts";
import { codeBlock } from "../text/markdown-code.ts";
import { truncate } from "../text/truncate.ts";
import type { CommandProblem } from "./agent-command.ts";
import { COMMAND_WORD } from "./grammar.ts";

const MAX_QUOTED_LENGTH = 500;

export function formatProblemReply(error: CommandProblem): string {
  const quoted = truncate(revealInvisibleCharacters(error.quoted), MAX_QUOTED_LENGTH);
  return [
    `**This \`${COMMAND_WORD}\` command was not run:** ${sentence(error.problem)}`,
    "",
    ...(quoted.trim() === "" ? [] : ["You wrote:", "", codeBlock(quoted), ""]),
    "**Usage**",
    "",
    error.usage,
    "",
    `Type \`${COMMAND_WORD} help\` to see every command.`,
  ].join("\n");
}

function sentence(text: string): string {
  return /[.?!]$/.test(text) ? text : `${text}.`;
}
