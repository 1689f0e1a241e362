// Turns validation issues of `.github/agents.yml` into lines people can act on: the exact key
// path, what the value must be, and what it was ("`limits.max_depth`: must be a whole number
// from 1 to 10, got "deep""); a mistyped key gets the nearest known key as a suggestion.
import { z } from "zod";
import { closestWord } from "../commands/closest-word.ts";

export interface ConfigProblem {
  /** Dotted key path, e.g. `limits.max_depth` or `allowed_tools[2]`; empty for the whole file. */
  key: string;
  message: string;
}

export const repositoryConfigPath = ".github/agents.yml";

export function problemsFromIssues(issues: readonly z.core.$ZodIssue[], schema: z.ZodType): ConfigProblem[] {
  return issues.flatMap((issue): ConfigProblem[] => {
    if (issue.code === "unrecognized_keys") {
      const known = keysAt(schema, issue.path);
      return issue.keys.map((key) => ({
        key: keyPath([...issue.path, key]),
        message: unknownKeyMessage(key, known),
      }));
    }
    const input = "input" in issue ? describe(issue.input) : undefined;
    return [
      {
        key: keyPath(issue.path),
        message: input === undefined ? issue.message : `${issue.message}, got ${input}`,
      },
    ];
  });
}

/** The reply text for a broken configuration file: one line per problem. */
export function formatConfigProblems(problems: readonly ConfigProblem[]): string {
  const lines = problems.map(
    (problem) => `- \`${problem.key === "" ? repositoryConfigPath : problem.key}\`: ${problem.message}`,
  );
  return [
    `\`${repositoryConfigPath}\` has ${problems.length === 1 ? "a problem" : `${problems.length} problems`}, so Flotilla runs nothing here until it is fixed:`,
    "",
    ...lines,
    "",
    "Fix the file on the default branch (or in the organization's `.github` repository it extends) and send the command again.",
  ].join("\n");
}

function keyPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const part of path) {
    if (typeof part === "number") text += `[${part}]`;
    else text += text === "" ? String(part) : `.${String(part)}`;
  }
  return text;
}

function unknownKeyMessage(key: string, known: readonly string[]): string {
  const suggestion = closestWord(key, known);
  const hint = suggestion === undefined ? "" : ` Did you mean \`${suggestion}\`?`;
  const list = known.length === 0 ? "" : ` Known keys here: ${known.join(", ")}.`;
  return `is not a setting Flotilla knows.${hint}${list}`;
}

function describe(input: unknown): string | undefined {
  if (input === undefined) return undefined;
  if (Array.isArray(input)) return "a list";
  if (input !== null && typeof input === "object") return "a mapping";
  const text = typeof input === "string" ? JSON.stringify(input) : String(input);
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

/** The keys an object schema accepts at `path` (optional wrappers and checks looked through). */
function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current: z.core.$ZodType | undefined = schema;
  for (const part of [...path, undefined]) {
    while (current instanceof z.ZodOptional) current = current.unwrap();
    if (!(current instanceof z.ZodObject)) return [];
    if (part === undefined) return Object.keys(current.shape);
    current = current.shape[String(part)];
  }
  return [];
}
