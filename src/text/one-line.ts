// A one-line excerpt of any text (a task, a tool call, an error): whitespace, newlines included,
// collapsed to single spaces, then cut with "…". Reads only as much of the text as can be shown,
// so a huge input costs no more than a short one.
import { truncate } from "./truncate.ts";

export function oneLine(text: string, maxChars: number): string {
  const words: string[] = [];
  let length = -1;
  for (const [word] of text.matchAll(/\S+/g)) {
    words.push(word);
    length += word.length + 1;
    if (length > maxChars) break;
  }
  return truncate(words.join(" "), maxChars);
}
