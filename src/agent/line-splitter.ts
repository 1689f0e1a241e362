// Splits a byte stream (the CLI's stdout) into lines as the bytes arrive, never holding more than
// one line in memory. A line longer than `maxLineBytes` is not kept: it is yielded as a
// `TruncatedLine` (its first bytes and its length), so one giant line cannot exhaust memory.

/** A line too long to keep: its start, decoded, and its full length in bytes. */
interface TruncatedLine {
  truncated: true;
  /** The first `prefixBytes` bytes of the line (cut on a UTF-8 character boundary), decoded. */
  prefix: string;
  /** Length of the whole line in bytes, without its line ending. */
  bytes: number;
}

export type SplitLine = string | TruncatedLine;

export interface SplitLinesOptions {
  /** Longest line, in bytes, that is yielded whole. @defaultValue 8 MiB */
  maxLineBytes?: number;
  /** How many bytes of a too-long line are kept in its `prefix`. @defaultValue 4096 */
  prefixBytes?: number;
}

const newline = 0x0a;
const carriageReturn = 0x0d;

/**
 * Yields each line of `stream` as a string, without its `\n` or `\r\n`. Empty lines are skipped.
 * Bytes are decoded as UTF-8 per whole line, so a character split across chunks comes out whole.
 * A final line without a trailing newline is yielded when the stream ends.
 */
export async function* splitLines(
  stream: AsyncIterable<Uint8Array | string>,
  options: SplitLinesOptions = {},
): AsyncGenerator<SplitLine> {
  const maxLineBytes = options.maxLineBytes ?? 8 * 1024 * 1024;
  const prefixBytes = Math.min(options.prefixBytes ?? 4096, maxLineBytes);
  // The unfinished line: copies of its pieces so far, or, once too long, only its prefix and length.
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let overflow: { prefix: Buffer; bytes: number; lastByte: number } | undefined;

  const keepPending = (piece: Buffer): void => {
    if (overflow !== undefined) {
      overflow.bytes += piece.length;
      if (piece.length > 0) overflow.lastByte = piece[piece.length - 1]!;
      return;
    }
    if (pendingBytes + piece.length <= maxLineBytes) {
      // Copy: the caller may reuse the chunk's memory, and a view would pin the whole chunk.
      pending.push(Buffer.from(piece));
      pendingBytes += piece.length;
      return;
    }
    overflow = {
      prefix: Buffer.concat([...pending, piece], prefixBytes),
      bytes: pendingBytes + piece.length,
      lastByte: piece[piece.length - 1] ?? 0,
    };
    pending = [];
    pendingBytes = 0;
  };

  const finishPending = (tail: Buffer): string | TruncatedLine => {
    if (overflow === undefined && pendingBytes + tail.length <= maxLineBytes) {
      const whole = Buffer.concat([...pending, tail], pendingBytes + tail.length);
      pending = [];
      pendingBytes = 0;
      return decodeLine(whole, 0, whole.length);
    }
    keepPending(tail);
    const { prefix, bytes, lastByte } = overflow!;
    overflow = undefined;
    return {
      truncated: true,
      prefix: decodePrefix(prefix),
      bytes: lastByte === carriageReturn ? bytes - 1 : bytes,
    };
  };

  for await (const input of stream) {
    const chunk = toBuffer(input);
    let start = 0;
    let end = chunk.indexOf(newline);
    if (end !== -1 && (pendingBytes > 0 || overflow !== undefined)) {
      const line = finishPending(chunk.subarray(0, end));
      if (line !== "") yield line;
      start = end + 1;
      end = chunk.indexOf(newline, start);
    }
    while (end !== -1) {
      if (end - start > maxLineBytes) {
        const bytes = chunk[end - 1] === carriageReturn ? end - start - 1 : end - start;
        yield { truncated: true, prefix: decodePrefix(chunk.subarray(start, start + prefixBytes)), bytes };
      } else {
        const line = decodeLine(chunk, start, end);
        if (line !== "") yield line;
      }
      start = end + 1;
      end = chunk.indexOf(newline, start);
    }
    if (start < chunk.length) keepPending(chunk.subarray(start));
  }
  if (pendingBytes > 0 || overflow !== undefined) {
    const line = finishPending(Buffer.alloc(0));
    if (line !== "") yield line;
  }
}

function toBuffer(input: Uint8Array | string): Buffer {
  if (typeof input === "string") return Buffer.from(input, "utf8");
  if (Buffer.isBuffer(input)) return input;
  return Buffer.from(input.buffer, input.byteOffset, input.byteLength);
}

function decodeLine(bytes: Buffer, start: number, end: number): string {
  const stop = end > start && bytes[end - 1] === carriageReturn ? end - 1 : end;
  return bytes.toString("utf8", start, stop);
}

/** Decodes a cut-off start of a line, dropping a multi-byte character that the cut split. */
function decodePrefix(bytes: Buffer): string {
  let end = bytes.length;
  let lead = end - 1;
  while (lead >= 0 && end - lead <= 4 && (bytes[lead]! & 0xc0) === 0x80) lead -= 1;
  if (lead >= 0) {
    const byte = bytes[lead]!;
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    if (lead + length > end) end = lead;
  }
  return bytes.toString("utf8", 0, end);
}
