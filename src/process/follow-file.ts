// Reads a file that another process is still appending to, chunk by chunk, from a given offset,
// until told the writer has finished and everything has been read. Agents write their output
// to a file rather than a pipe: a CLI that exits while a pipe is full loses what it had not
// yet written (its last, largest line), while a file write never waits for the reader.
import { open } from "node:fs/promises";

export interface FollowFileOptions {
  startOffset: number;
  /** True once the writer has exited: what is in the file then is all there will be. */
  writerDone: () => boolean;
  /** @defaultValue 256 KiB */
  chunkBytes?: number;
}

const fastPollMs = 20;
const slowPollMs = 200;

export async function* followFile(path: string, options: FollowFileOptions): AsyncGenerator<Uint8Array> {
  const handle = await open(path, "r");
  const buffer = Buffer.alloc(options.chunkBytes ?? 256 * 1024);
  let position = options.startOffset;
  let idlePolls = 0;
  try {
    for (;;) {
      const done = options.writerDone();
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead > 0) {
        position += bytesRead;
        idlePolls = 0;
        yield Buffer.from(buffer.subarray(0, bytesRead));
        continue;
      }
      // Checked before the read: an empty read after the writer was done means the end.
      if (done) return;
      idlePolls += 1;
      await new Promise((resolve) => setTimeout(resolve, idlePolls < 50 ? fastPollMs : slowPollMs));
    }
  } finally {
    await handle.close();
  }
}
