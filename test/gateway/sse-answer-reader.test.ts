import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { answerIsWhole } from "../../src/gateway/answer-summary.ts";
import { chargedTokens } from "../../src/gateway/message-usage.ts";
import { SseAnswerReader } from "../../src/gateway/sse-answer-reader.ts";

const fixture = (name: string) => readFileSync(new URL(`../fixtures/sse/${name}`, import.meta.url));

function read(chunks: Buffer[]) {
  const reader = new SseAnswerReader();
  for (const chunk of chunks) reader.push(chunk);
  reader.end();
  return reader.summary;
}

function splitEvery(bytes: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += size)
    chunks.push(bytes.subarray(offset, offset + size));
  return chunks;
}

describe("SseAnswerReader on recorded answers", () => {
  it("reads message_start usage, the final cumulative message_delta and its server tool requests", () => {
    const answer = read([fixture("docs-web-search.sse")]);
    expect(answer.model).toBe("claude-opus-4-7");
    expect(answer.usage).toEqual({
      inputTokens: 10_682,
      outputTokens: 510,
      cacheCreationInputTokens: 0,
      cacheReadInputTokens: 0,
      cacheCreation1hInputTokens: 0,
      serverToolRequests: { web_search_requests: 1 },
    });
    expect(answer.stopReason).toBe("end_turn");
  });

  it("takes an answer as whole only from its stop reason or an error event, not from its bytes ending", () => {
    const basic = fixture("docs-basic-text.sse");
    const stop = basic.indexOf("event: message_delta");
    expect(answerIsWhole(read([basic]))).toBe(true);
    expect(answerIsWhole(read([basic.subarray(0, stop)]))).toBe(false);
    expect(answerIsWhole(read([basic.subarray(0, basic.indexOf("event: message_stop"))]))).toBe(true);
    expect(answerIsWhole(read([fixture("docs-error-midstream.sse")]))).toBe(true);
  });

  it("reads the text the model wrote and why it stopped", () => {
    const text = read([fixture("docs-basic-text.sse")]);
    expect(text).toMatchObject({ stopReason: "end_turn", text: expect.any(String), textTruncated: false });
    expect(text.text.length).toBeGreaterThan(0);
    const tool = read([fixture("docs-tool-use.sse")]);
    expect(tool.stopReason).toBe("tool_use");
    expect(tool.contentChars).toBeGreaterThan(0);
  });

  it("reads an error event that breaks a stream off", () => {
    expect(read([fixture("docs-error-midstream.sse")]).error).toEqual({
      type: "overloaded_error",
      message: expect.any(String),
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
      serverToolRequests: {},
    });
    expect(chargedTokens(usage)).toBe(3_242);
  });

  it("gives the same answer whatever the chunk boundaries, split characters included", () => {
    for (const file of ["docs-tool-use.sse", "prompt-cache-usage.sse", "recorded-haiku-tool.sse"]) {
      const whole = read([fixture(file)]);
      for (const size of [1, 2, 3, 5, 64]) expect(read(splitEvery(fixture(file), size))).toEqual(whole);
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

  it("keeps at most a bounded final text", () => {
    const delta = (text: string) =>
      `event: content_block_delta\ndata: ${JSON.stringify({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text } })}\n\n`;
    const start = `event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n`;
    const piece = "y".repeat(100_000);
    const answer = read([Buffer.from(start + Array.from({ length: 12 }, () => delta(piece)).join(""))]);
    expect(answer.text.length).toBe(1_000_000);
    expect(answer.textTruncated).toBe(true);
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
