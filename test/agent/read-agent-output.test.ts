// The worker's loop from transcript file to events: everything after the offset is read, in
// order, and the last result line is handed back.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readAgentOutput } from "../../src/agent/read-agent-output.ts";
import type { AgentStreamEvent } from "../../src/agent/stream-events.ts";
import { projectRoot } from "../support/paths.ts";

let dir: string | undefined;
afterEach(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("readAgentOutput", () => {
  it("reads a finished transcript from the offset on and returns its result", async () => {
    dir = await mkdtemp(join(tmpdir(), "read-agent-output-"));
    const transcript = join(dir, "transcript.jsonl");
    const earlier = '{"type":"result","subtype":"success","result":"earlier run"}\n';
    const fixture = await readFile(`${projectRoot}test/fixtures/stream/write-file.jsonl`, "utf8");
    await writeFile(transcript, earlier + fixture);

    const events: AgentStreamEvent[] = [];
    const result = await readAgentOutput(transcript, {
      startOffset: Buffer.byteLength(earlier),
      writerExited: Promise.resolve(),
      onEvent: (event) => events.push(event),
    });

    expect(events[0]?.kind).toBe("init");
    expect(events.some((event) => event.kind === "tool_call")).toBe(true);
    expect(result?.text).toBe("Wrote HELLO.md.");
    expect(events.at(-1)).toEqual(result);
  });
});
