// Makes comment text safe to hand to an agent as its task: only what a person reading the
// comment on GitHub can see is kept. This is where prompt injection hidden in a comment
// (HTML comments, hidden elements, zero-width or bidirectional characters) is taken out.
import { removeInvisibleCharacters } from "../text/invisible-characters.ts";
import { stripHiddenMarkup } from "./strip-hidden-markup.ts";

/**
 * `text` without hidden markup and invisible characters, with `\n` line ends, in NFC.
 * Invisible characters go first, so they cannot disguise markup (`<div\u200B hidden>`).
 */
export function cleanTaskText(text: string): string {
  const lines = text.toWellFormed().replace(/\r\n?/g, "\n");
  return stripHiddenMarkup(removeInvisibleCharacters(lines)).normalize("NFC");
}
