import { createReadStream } from "node:fs";
import { describe, expect, it } from "vitest";
import { type SplitLine, splitLines } from "../../src/agent/line-splitter.ts";
import { projectRoot } from "../support/paths.ts";

async function collect(
  chunks: Iterable<Uint8Array | string> | AsyncIterable<Uint8Array | string>,
  options?: Parameters<typeof splitLines>[1],
): Promise<SplitLine[]> {
  const source = async function* () {
    yield* chunks;
  };
  const lines: SplitLine[] = [];
  for await (const line of splitLines(source(), options)) lines.push(line);
  return lines;
}

/** Every way of cutting `bytes` into two chunks, plus one byte per chunk. */
function chunkings(bytes: Buffer): Buffer[][] {
  const result: Buffer[][] = [];
  for (let cut = 0; cut <= bytes.length; cut += 1) result.push([bytes.subarray(0, cut), bytes.subarray(cut)]);
  result.push([...bytes].map((byte) => Buffer.from([byte])));
  return result;
}

describe("splitLines", () => {
  const text = '{"a":"héllo"}\n{"b":"🎉 ok"}\r\n\n{"c":"日本語"}\nlast line without newline';
  const expected = ['{"a":"héllo"}', '{"b":"🎉 ok"}', '{"c":"日本語"}', "last line without newline"];

  it("yields the same lines wherever the chunks are cut, multi-byte characters included", async () => {
    for (const chunks of chunkings(Buffer.from(text))) {
      expect(await collect(chunks)).toEqual(expected);
    }
  });

  it("accepts string chunks and byte chunks mixed", async () => {
    expect(await collect(["ab", Buffer.from("c\nd"), new Uint8Array([0x65, 0x0a]), "f"])).toEqual([
      "abc",
      "de",
      "f",
    ]);
  });

  it("drops CRLF endings and empty lines but keeps a carriage return inside a line", async () => {
    expect(await collect(["\n\r\n", "a\rb\r\n", "\r\n\n", "c\r", "\n", "\r\n"])).toEqual(["a\rb", "c"]);
  });

  it("yields nothing for an empty stream", async () => {
    expect(await collect([])).toEqual([]);
    expect(await collect(["", Buffer.alloc(0)])).toEqual([]);
  });

  it("keeps a line of exactly maxLineBytes and truncates one byte more", async () => {
    const options = { maxLineBytes: 10, prefixBytes: 4 };
    expect(await collect(["0123456789\n0123456789A\nok\n"], options)).toEqual([
      "0123456789",
      { truncated: true, prefix: "0123", bytes: 11 },
      "ok",
    ]);
  });

  it("truncates a too-long line that spans chunks and goes on with the next line", async () => {
    const options = { maxLineBytes: 10, prefixBytes: 4 };
    const line = "abcdefghijklmnopqrstuvwxyz";
    for (const chunks of chunkings(Buffer.from(`short\n${line}\r\nnext`))) {
      expect(await collect(chunks, options)).toEqual([
        "short",
        { truncated: true, prefix: "abcd", bytes: line.length },
        "next",
      ]);
    }
  });

  it("cuts a truncated line's prefix on a character boundary", async () => {
    // "é" is 2 bytes and "🎉" 4: a 5-byte prefix of "é🎉…" would split the emoji.
    const options = { maxLineBytes: 8, prefixBytes: 5 };
    for (const chunks of chunkings(Buffer.from("é🎉é🎉é🎉\n"))) {
      expect(await collect(chunks, options)).toEqual([{ truncated: true, prefix: "é", bytes: 18 }]);
    }
  });

  it("yields a 50 MB line as a bounded truncated form without holding it in memory", async () => {
    const chunk = Buffer.alloc(1024 * 1024, "x");
    const before = process.memoryUsage().arrayBuffers;
    let peak = before;
    const source = async function* () {
      // The same chunk again and again: the input itself takes no memory, so any growth is ours.
      for (let index = 0; index < 50; index += 1) {
        peak = Math.max(peak, process.memoryUsage().arrayBuffers);
        yield chunk;
      }
      yield "\nafter\n";
    };
    const lines: SplitLine[] = [];
    for await (const line of splitLines(source())) lines.push(line);
    expect(lines).toEqual([{ truncated: true, prefix: "x".repeat(4096), bytes: 50 * 1024 * 1024 }, "after"]);
    // Up to 8 MiB of an unfinished line is held before it is known to be too long.
    expect(peak - before).toBeLessThan(24 * 1024 * 1024);
  });

  it("splits a real captured stream into its JSON lines", async () => {
    const path = `${projectRoot}test/fixtures/stream/big-output.jsonl`;
    const lines: SplitLine[] = [];
    for await (const line of splitLines(createReadStream(path, { highWaterMark: 1000 }))) lines.push(line);
    expect(lines).toHaveLength(5);
    const types = lines.map((line) =>
      typeof line === "string" ? (JSON.parse(line) as { type: string }).type : "",
    );
    expect(types).toEqual(["system", "assistant", "user", "assistant", "result"]);
  });
});
