import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { chargedTokens } from "../../src/gateway/message-usage.ts";
import { SseUsageReader } from "../../src/gateway/sse-usage-reader.ts";

const fixture = (name: string) => readFileSync(new URL(`../fixtures/sse/${name}`, import.meta.url));

function read(chunks: Buffer[]): SseUsageReader {
  const reader = new SseUsageReader();
  for (const chunk of chunks) reader.push(chunk);
  reader.end();
  return reader;
}

function splitEvery(bytes: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += size)
    chunks.push(bytes.subarray(offset, offset + size));
  return chunks;
}

describe("SseUsageReader on recorded answers", () => {
  it("reads message_start usage and the final cumulative message_delta", () => {
    const reader = read([fixture("docs-web-search.sse")]);
    expect(reader.model).toBe("claude-opus-4-7");
    expect(reader.usage).toEqual({
      inputTokens: 10_682,
      outputTokens: 510,
      cacheCreationInputTokens: 0,
      cacheReadInputTokens: 0,
      cacheCreation1hInputTokens: 0,
    });
  });

  it("reads the cache fields and their 1-hour share", () => {
    const usage = read([fixture("prompt-cache-usage.sse")]).usage!;
    expect(usage).toEqual({
      inputTokens: 12,
      outputTokens: 230,
      cacheCreationInputTokens: 3_000,
      cacheReadInputTokens: 40_000,
      cacheCreation1hInputTokens: 1_000,
    });
    expect(chargedTokens(usage)).toBe(3_242);
  });

  it("gives the same answer whatever the chunk boundaries, split characters included", () => {
    for (const file of ["docs-tool-use.sse", "prompt-cache-usage.sse", "recorded-haiku-tool.sse"]) {
      const whole = read([fixture(file)]).usage;
      for (const size of [1, 2, 3, 5, 64]) expect(read(splitEvery(fixture(file), size)).usage).toEqual(whole);
    }
  });

  it("keeps the message_start usage of a stream broken off by an error event", () => {
    expect(read([fixture("docs-error-midstream.sse")]).usage).toMatchObject({
      inputTokens: 1_200,
      outputTokens: 1,
    });
  });

  it("handles CRLF line ends and a last event without its blank line", () => {
    const text = fixture("docs-basic-text.sse").toString("utf8").trimEnd().replaceAll("\n", "\r\n");
    expect(read([Buffer.from(text)]).usage).toMatchObject({ inputTokens: 25, outputTokens: 15 });
  });

  it("has no usage when no usage event arrived", () => {
    expect(read([Buffer.from('event: ping\ndata: {"type":"ping"}\n\n')]).usage).toBeUndefined();
    expect(read([]).usage).toBeUndefined();
  });

  it("skips huge content lines without keeping them, and still reads the events after them", () => {
    const huge = `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"${"x".repeat(3_000_000)}"}}\n\n`;
    const text = fixture("docs-basic-text.sse").toString("utf8");
    const split = text.indexOf("event: content_block_stop");
    const chunks = [
      Buffer.from(text.slice(0, split)),
      ...splitEvery(Buffer.from(huge), 65_536),
      Buffer.from(text.slice(split)),
    ];
    expect(read(chunks).usage).toMatchObject({ inputTokens: 25, outputTokens: 15 });
  });
});
