// Splits what follows `/agents run` into flags and the start of the task: the first word that is
// neither a flag nor a flag's value, or what follows `--`. Only flags are read as shell words;
// the task is kept as written, so prose like `don't touch the "flaky" test` is never mangled.
import { readShellWord, skipWhitespace } from "./split-shell-words.ts";

export type RunLineSplit =
  | {
      ok: true;
      flagArgs: string[];
      /** The text each of `flagArgs` was read from, as written: `--model "x"` for `--model=x`. */
      flagSources: string[];
      taskHead: string;
    }
  | { ok: false; problem: string };

/** `valueFlags`: names (without dashes) of the flags that take a value. */
export function splitRunLine(text: string, valueFlags: ReadonlySet<string>): RunLineSplit {
  const flagArgs: string[] = [];
  const flagSources: string[] = [];
  let at = skipWhitespace(text, 0);
  while (at < text.length && looksLikeFlag(text, at)) {
    const flag = readShellWord(text, at);
    if (!flag.ok) return flag;
    at = skipWhitespace(text, flag.word.end);
    if (flag.word.value === "--") break;
    if (!takesSeparateValue(flag.word.value, valueFlags) || at >= text.length) {
      flagArgs.push(flag.word.value);
      flagSources.push(text.slice(flag.word.start, flag.word.end));
      continue;
    }
    const value = readShellWord(text, at);
    if (!value.ok) return value;
    // Joined as `--flag=value`, so a value that starts with `-` (a model name may) stays a value.
    flagArgs.push(`${flag.word.value}=${value.word.value}`);
    flagSources.push(text.slice(flag.word.start, value.word.end));
    at = skipWhitespace(text, value.word.end);
  }
  return { ok: true, flagArgs, flagSources, taskHead: text.slice(at) };
}

/** A word starting with `-` and more than a lone dash (`- item` is a list marker, not a flag). */
function looksLikeFlag(text: string, at: number): boolean {
  if (text.charAt(at) !== "-") return false;
  const next = text.charAt(at + 1);
  return next !== "" && !/\s/.test(next);
}

function takesSeparateValue(flag: string, valueFlags: ReadonlySet<string>): boolean {
  return flag.startsWith("--") && !flag.includes("=") && valueFlags.has(flag.slice(2));
}
