// Writes lines to a file as they are generated, honouring back-pressure, so that a gigabyte of
// input never sits in memory at once. Returns the bytes written.
import { once } from "node:events";
import { createWriteStream } from "node:fs";

export async function writeLines(path: string, lines: Iterable<string>): Promise<number> {
  const file = createWriteStream(path);
  let bytes = 0;
  for (const line of lines) {
    bytes += Buffer.byteLength(line) + 1;
    if (!file.write(`${line}\n`)) await once(file, "drain");
  }
  file.end();
  await once(file, "finish");
  return bytes;
}
