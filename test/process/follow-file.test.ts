import { appendFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { followFile } from "../../src/process/follow-file.ts";

const scratch = await mkdtemp(join(tmpdir(), "follow-file-"));
afterAll(() => rm(scratch, { recursive: true, force: true }));

async function collect(stream: AsyncGenerator<Uint8Array>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString("utf8");
}

describe("followFile", () => {
  it("reads what a writer appends while it runs, from the offset, until the writer is done", async () => {
    const path = join(scratch, "growing.jsonl");
    await writeFile(path, "from an earlier run\n");
    let finish: () => void = () => undefined;
    const writerExited = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const reading = collect(followFile(path, { startOffset: 20, writerExited }));
    for (let line = 1; line <= 5; line += 1) {
      await appendFile(path, `line ${line}\n`);
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    await appendFile(path, "the last, long line ".repeat(20_000));
    finish();
    const text = await reading;
    expect(text.startsWith("line 1\nline 2\nline 3\nline 4\nline 5\n")).toBe(true);
    expect(text.endsWith("the last, long line ")).toBe(true);
    expect(text.length).toBe(35 + 20 * 20_000);
  });

  it("ends promptly once the writer is done, without waiting for a poll", async () => {
    const path = join(scratch, "quiet.jsonl");
    await writeFile(path, "");
    let finish: () => void = () => undefined;
    const writerExited = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const reading = collect(followFile(path, { startOffset: 0, writerExited, maxWaitMs: 60_000 }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const finishedAt = Date.now();
    finish();
    expect(await reading).toBe("");
    expect(Date.now() - finishedAt).toBeLessThan(5_000);
  });
});
