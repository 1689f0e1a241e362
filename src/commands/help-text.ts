// The `/agents help` reply and each verb's usage, written out from the grammar tables so they
// can never disagree with what the parser accepts.

import { codeBlock } from "../text/markdown-code.ts";
import {
  AGENT_REFERENCE_RULE,
  COMMAND_WORD,
  FLAG_NAMES,
  FLAGS,
  type FlagName,
  GRAMMAR,
  isSwitch,
  isVerb,
  usageLine,
  VERBS,
  type Verb,
} from "./grammar.ts";

/** Markdown for `/agents help`: every command, flag and rule. */
export function helpText(): string {
  const examples = VERBS.flatMap((verb) => GRAMMAR[verb].examples);
  return [
    `### \`${COMMAND_WORD}\` commands`,
    "",
    `Write a command at the start of a line in a comment on an issue or pull request. Only the first \`${COMMAND_WORD}\` line of a comment counts; lines in code blocks or quotes are never commands.`,
    "",
    ...VERBS.map((verb) => `- \`${usageLine(verb)}\`: ${GRAMMAR[verb].summary}`),
    "",
    "**Flags**",
    "",
    ...FLAG_NAMES.map(flagLine),
    "",
    "**Tasks**",
    "",
    ...GRAMMAR.run.notes.map((note) => `- ${note}`),
    "",
    `**Agents**: \`<agent>\` is ${AGENT_REFERENCE_RULE}.`,
    "",
    "**Examples**",
    "",
    codeBlock(examples.join("\n")),
  ].join("\n");
}

/** Markdown usage of one verb; the whole help when `verb` is not one. */
export function usageFor(verb: string): string {
  if (!isVerb(verb)) return helpText();
  const spec = GRAMMAR[verb];
  const lines = [`\`${usageLine(verb)}\``, "", spec.summary];
  if (spec.flags.length > 0) lines.push("", ...spec.flags.map(flagLine));
  lines.push(...argumentNotes(verb));
  lines.push("", codeBlock(spec.examples.join("\n")));
  return lines.join("\n");
}

function flagLine(name: FlagName): string {
  const flag = FLAGS[name];
  if (isSwitch(name)) return `- \`--${name}\`: ${flag.summary}.`;
  return `- \`--${name} ${flag.valueName}\`: ${flag.summary}; ${flag.allowed}.`;
}

function argumentNotes(verb: Verb): string[] {
  const spec = GRAMMAR[verb];
  switch (spec.argument) {
    case "task":
      return ["", ...spec.notes.map((note) => `- ${note}`)];
    case "agent":
      return ["", `\`<agent>\` is ${AGENT_REFERENCE_RULE}.`];
    case "target":
      return [
        "",
        `\`agent\` is ${AGENT_REFERENCE_RULE}; without one, or with \`all\`, every agent is cancelled.`,
      ];
    case "none":
      return [];
  }
}
