// Finds the `/agents` command in a comment: the first line whose first non-space text is
// `/agents` followed by whitespace or the line's end (`/agentsfoo` is not one). Lines in fenced
// code or block quotes are never commands, so people can quote and document commands safely.
import { COMMAND_WORD } from "./grammar.ts";
import { closesFence, type Fence, openingFence } from "./markdown-fence.ts";

export interface FoundCommand {
  /** The command line without surrounding whitespace, as written: `/agents run --count 2 fix it`. */
  line: string;
  /** What follows `/agents` on the line, to its very end: ` run --count 2 fix it`. */
  afterCommandWord: string;
  /** Every line below the command line, joined with `\n`. */
  following: string;
}

const COMMAND_START = new RegExp(`^${COMMAND_WORD}(?=\\s|$)`);

/** The first command in `text` (with `\n` line ends), or null. */
export function findCommand(text: string): FoundCommand | null {
  const lines = text.split("\n");
  let fence: Fence | null = null;
  for (const [index, line] of lines.entries()) {
    if (fence) {
      if (closesFence(line, fence)) fence = null;
      continue;
    }
    // A block-quote line starts with `>`, so it never starts with the command word.
    const trimmed = line.trimStart();
    fence = openingFence(line);
    if (fence || !COMMAND_START.test(trimmed)) continue;
    return {
      line: trimmed.trimEnd(),
      afterCommandWord: trimmed.slice(COMMAND_WORD.length),
      following: lines.slice(index + 1).join("\n"),
    };
  }
  return null;
}
