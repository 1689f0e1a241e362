// Source-code-like text for generated inputs: lines drawn from a fixed pool of made-up code, so
// that it compresses about like real code does (unlike random bytes) and costs little to make.
import { type SeededRandom, seededRandom } from "./seeded-random.ts";

const words = (
  "const let return if else for await async function export import agent worker branch commit " +
  "result options value index count buffer parse render update record stream event token budget " +
  "config error this null undefined true false new Map Set Promise string number"
).split(" ");
const punctuation = ["(", ")", " = ", ", ", ".", ";", " => ", "{", "}", "[", "]", ": ", " + ", " === "];

function makeLine(random: SeededRandom): string {
  const indent = "  ".repeat(random.int(0, 4));
  const parts: string[] = [];
  const length = random.int(2, 14);
  for (let index = 0; index < length; index += 1) {
    parts.push(random.pick(words));
    if (random.next() < 0.3) parts.push(String(random.int(0, 999)));
    parts.push(random.pick(punctuation));
  }
  if (random.next() < 0.05) parts.push(' // "quoted" note — ünïcode');
  return indent + parts.join("");
}

const pool: readonly string[] = (() => {
  const random = seededRandom(0xc0de);
  return Array.from({ length: 16_384 }, () => makeLine(random));
})();

/** About `bytes` bytes (UTF-8, a little over) of code-like text, whole lines, each ending in "\n". */
export function codeText(random: SeededRandom, bytes: number): string {
  const lines: string[] = [];
  let length = 0;
  while (length < bytes) {
    const line = random.pick(pool);
    lines.push(line);
    length += line.length + 1;
  }
  return `${lines.join("\n")}\n`;
}
