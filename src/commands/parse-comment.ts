// Turns a comment body into the `/agents` command it holds, a problem to answer with, or
// nothing. The body is cleaned first, so only what people see on GitHub can be a command or
// a task. Never throws: every input has one of the three answers.

import { inlineCode } from "../text/markdown-code.ts";
import type { ParsedComment } from "./agent-command.ts";
import { cleanTaskText } from "./clean-task-text.ts";
import { closestWord } from "./closest-word.ts";
import { commandProblem } from "./command-problem.ts";
import { findCommand } from "./find-command.ts";
import { COMMAND_WORD, isVerb, VERBS } from "./grammar.ts";
import { parseAgentVerb } from "./parse-agent-verb.ts";
import { parseRunCommand } from "./parse-run-command.ts";

export function parseComment(body: string): ParsedComment {
  // Webhook payloads are untyped at runtime: an issue body, for one, may be null.
  if (typeof body !== "string") return { kind: "none" };
  const found = findCommand(cleanTaskText(body));
  if (!found) return { kind: "none" };
  const rest = found.afterCommandWord.trimStart();
  const verb = rest.split(/\s/, 1)[0] ?? "";
  const afterVerb = rest.slice(verb.length);
  if (isVerb(verb)) {
    if (verb === "run") return parseRunCommand(afterVerb, found.following, found.line);
    return parseAgentVerb(verb, afterVerb, found.line);
  }
  return { kind: "invalid", error: commandProblem(unknownVerbProblem(verb), verb || found.line) };
}

function unknownVerbProblem(verb: string): string {
  const verbs = VERBS.map((known) => inlineCode(known)).join(", ");
  if (verb === "") return `${inlineCode(COMMAND_WORD)} needs a command after it: one of ${verbs}`;
  const suggestion = closestWord(verb, VERBS);
  const didYouMean =
    suggestion === undefined ? "" : `; did you mean ${inlineCode(`${COMMAND_WORD} ${suggestion}`)}?`;
  return `${inlineCode(verb)} is not an ${inlineCode(COMMAND_WORD)} command; the commands are ${verbs}${didYouMean}`;
}
