// Reads a file that another process is still appending to, chunk by chunk, from a given offset,
// until told the writer has finished and everything has been read. Agents write their output
// to a file rather than a pipe: a CLI that exits while a pipe is full loses what it had not
// yet written (its last, largest line), while a file write never waits for the reader.
// An inotify watch wakes the reader when the file grows, so hundreds of idle agents cost no
// polling; a timer covers file systems where watching does not work (every 500 ms), and is only
// a rare safety net where it does (every 5 s: hundreds of agents' reads every 500 ms were a
// measurable share of a loaded worker's event loop).
import { watch } from "node:fs";
import { open } from "node:fs/promises";

export interface FollowFileOptions {
  startOffset: number;
  /** Settles when the writer has exited: what is in the file then is all there will be. */
  writerExited: Promise<unknown>;
  /** @defaultValue 256 KiB */
  chunkBytes?: number;
  /** Longest wait between reads when no change is signalled. @defaultValue 500, 5000 when watched */
  maxWaitMs?: number;
}

export async function* followFile(path: string, options: FollowFileOptions): AsyncGenerator<Uint8Array> {
  const handle = await open(path, "r");
  const buffer = Buffer.alloc(options.chunkBytes ?? 256 * 1024);
  let position = options.startOffset;
  let wake: (() => void) | undefined;
  let changed = false;
  let writerDone = false;
  void options.writerExited.finally(() => {
    writerDone = true;
    wake?.();
  });
  const watcher = tryWatch(path, () => {
    changed = true;
    wake?.();
  });
  const maxWaitMs = options.maxWaitMs ?? (watcher === undefined ? 500 : 5_000);
  try {
    for (;;) {
      const done = writerDone;
      changed = false;
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead > 0) {
        position += bytesRead;
        yield Buffer.from(buffer.subarray(0, bytesRead));
        continue;
      }
      // Checked before the read: an empty read after the writer was done means the end.
      if (done) return;
      if (changed) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, maxWaitMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  } finally {
    watcher?.close();
    await handle.close();
  }
}

function tryWatch(path: string, onChange: () => void): { close(): void } | undefined {
  try {
    const watcher = watch(path, { persistent: false }, onChange);
    watcher.on("error", () => undefined);
    return watcher;
  } catch {
    return undefined;
  }
}
