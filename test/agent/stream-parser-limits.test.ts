// The parser's bounds and defences: caps on event strings, odd and hostile lines, fuzzing.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AgentStreamEvent } from "../../src/agent/stream-events.ts";
import { StreamParser } from "../../src/agent/stream-parser.ts";
import { projectRoot } from "../support/paths.ts";

type Json = Record<string, unknown>;

const fixtureNames = [
  "write-file",
  "multi-block",
  "big-output",
  "api-error",
  "max-turns",
  "subagent",
  "overloaded-retry",
];
const realLines: Json[] = fixtureNames.flatMap((name) =>
  readFileSync(`${projectRoot}test/fixtures/stream/${name}.jsonl`, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Json),
);

function realLine(predicate: (line: Json) => boolean): Json {
  const line = realLines.find(predicate);
  if (line === undefined) throw new Error("no fixture line matches");
  return structuredClone(line);
}

function message(line: Json): Json {
  return line.message as Json;
}

/** Every string an event holds, except the two fields that are documented as not capped. */
function cappedStrings(event: AgentStreamEvent): { field: string; value: string }[] {
  const found: { field: string; value: string }[] = [];
  for (const [field, value] of Object.entries(event)) {
    if ((event.kind === "result" && field === "text") || (event.kind === "tool_call" && field === "input"))
      continue;
    const values = Array.isArray(value) ? value : [value];
    for (const item of values) {
      if (typeof item === "string") found.push({ field, value: item });
      else if (typeof item === "object" && item !== null)
        for (const nested of Object.values(item))
          if (typeof nested === "string") found.push({ field, value: nested });
    }
  }
  return found;
}

function expectCapped(events: AgentStreamEvent[]): void {
  for (const event of events) {
    for (const { field, value } of cappedStrings(event)) {
      expect(value.length, `${event.kind}.${field}`).toBeLessThanOrEqual(2000);
    }
  }
}

const fiveMegabytes = "y".repeat(5 * 1024 * 1024);

describe("StreamParser limits", () => {
  it("caps assistant text, tool result previews and input summaries of huge real-shaped lines", () => {
    const text = realLine((line) => line.type === "assistant");
    message(text).content = [{ type: "text", text: fiveMegabytes }];
    const toolUse = realLine((line) => JSON.stringify(line).includes('"name":"Bash"'));
    message(toolUse).id = "msg_other";
    message(toolUse).content = [
      { type: "tool_use", id: "toolu_x", name: "Bash", input: { command: fiveMegabytes } },
    ];
    const toolResult = realLine(
      (line) => line.type === "user" && JSON.stringify(line).includes("tool_result"),
    );
    message(toolResult).content = [
      { type: "tool_result", tool_use_id: "toolu_x", content: [{ type: "text", text: fiveMegabytes }] },
    ];
    const parser = new StreamParser();
    const events = [text, toolUse, toolResult].flatMap((line) => parser.parse(JSON.stringify(line)));
    expectCapped(events);
    const byKind = new Map(events.map((event) => [event.kind, event]));
    expect(byKind.get("assistant_text")).toMatchObject({ text: `${"y".repeat(1999)}…` });
    expect(byKind.get("tool_call")).toMatchObject({ inputSummary: `${"y".repeat(199)}…` });
    expect(byKind.get("tool_result")).toMatchObject({ preview: `${"y".repeat(999)}…` });
  });

  it("keeps the whole result text, which the caller bounds", () => {
    const result = realLine((line) => line.type === "result");
    result.result = fiveMegabytes;
    const [event] = new StreamParser().parse(JSON.stringify(result));
    expect(event?.kind === "result" && event.text.length).toBe(fiveMegabytes.length);
  });

  it("honours smaller caps given as options", () => {
    const parser = new StreamParser({ maxTextChars: 10, maxPreviewChars: 5, maxSummaryChars: 8 });
    const line = {
      type: "assistant",
      message: { id: "m", content: [{ type: "text", text: "0123456789abc" }] },
    };
    expect(parser.parse(JSON.stringify(line))).toContainEqual(
      expect.objectContaining({ kind: "assistant_text", text: "012345678…" }),
    );
    const result = {
      type: "user",
      message: { content: [{ type: "tool_result", tool_use_id: "t", content: "abcdefgh" }] },
    };
    expect(parser.parse(JSON.stringify(result))).toEqual([
      { kind: "tool_result", toolUseId: "t", isError: false, preview: "abcd…", parentToolUseId: null },
    ]);
  });

  it("does not split a surrogate pair when it caps", () => {
    const parser = new StreamParser({ maxTextChars: 4 });
    const line = { type: "assistant", message: { id: "m", content: [{ type: "text", text: "ab🎉cd" }] } };
    expect(parser.parse(JSON.stringify(line))).toContainEqual(expect.objectContaining({ text: "ab…" }));
  });

  it("reports lines that are not stream events, and truncated lines, as unparseable", () => {
    const parser = new StreamParser();
    expect(parser.parse("")).toEqual([]);
    expect(parser.parse("  \t")).toEqual([]);
    expect(parser.parse("not json")).toEqual([{ kind: "unparseable", preview: "not json" }]);
    expect(parser.parse('{"type":"assistant"')).toEqual([
      { kind: "unparseable", preview: '{"type":"assistant"' },
    ]);
    expect(parser.parse("[1,2]")).toEqual([{ kind: "unparseable", preview: "[1,2]" }]);
    expect(parser.parse('{"no":"type"}')).toEqual([{ kind: "unparseable", preview: '{"no":"type"}' }]);
    expect(parser.parse({ truncated: true, prefix: '{"type":"user"', bytes: 9_000_000 })).toEqual([
      { kind: "unparseable", preview: '[line of 9000000 bytes, too long to read] {"type":"user"' },
    ]);
    expect(parser.parse(`x${"z".repeat(10_000)}`)[0]).toMatchObject({
      kind: "unparseable",
      preview: expect.any(String),
    });
    expect(parser.parse(`x${"z".repeat(10_000)}`)[0]).toSatisfy(
      (event: AgentStreamEvent) => event.kind === "unparseable" && event.preview.length === 200,
    );
  });

  it("reports known lines of no interest as other, with their subtype", () => {
    const parser = new StreamParser();
    expect(parser.parse('{"type":"system","subtype":"hook_started"}')).toEqual([
      { kind: "other", type: "system", subtype: "hook_started" },
    ]);
    expect(parser.parse('{"type":"stream_event"}')).toEqual([{ kind: "other", type: "stream_event" }]);
    expect(
      parser.parse('{"type":"assistant","message":{"id":"m1","content":[{"type":"thinking"}]}}'),
    ).toEqual([expect.objectContaining({ kind: "usage", messageId: "m1" })]);
    expect(
      parser.parse('{"type":"assistant","message":{"id":"m1","content":[{"type":"thinking"}]}}'),
    ).toEqual([{ kind: "other", type: "assistant" }]);
  });

  it("survives hostile field names and shapes", () => {
    const parser = new StreamParser();
    const lines = [
      '{"type":"assistant","message":{"id":"p","content":[{"type":"tool_use","name":"constructor","input":{"__proto__":{"x":1}}}]}}',
      '{"type":"assistant","message":{"id":"q","content":[{"type":"tool_use","name":"toString","input":[1,2]}]}}',
      '{"type":"user","message":{"content":[{"type":"tool_result","content":[null,1,{"type":"text","text":7}]}]}}',
      '{"type":"result","is_error":"yes","errors":[1,"e"],"permission_denials":{"length":5},"usage":[]}',
      '{"type":"system","subtype":"task_updated","task_id":{"a":1},"patch":null}',
      '{"type":"system","subtype":"init","tools":"Bash","mcp_servers":[null,"x",{"name":3}]}',
      `{"type":"system","subtype":"api_retry","attempt":"1","retry_delay_ms":1e400}`,
    ];
    for (const line of lines) {
      const events = parser.parse(line);
      expect(events.length, line).toBeGreaterThan(0);
      expect(
        events.every((event) => event.kind !== "unparseable"),
        line,
      ).toBe(true);
    }
    expect(parser.parse(lines[3]!)).toEqual([
      expect.objectContaining({ kind: "result", isError: true, errors: ["e"], permissionDenials: 0 }),
    ]);
  });
});

describe("StreamParser fuzzing", () => {
  const runs = { numRuns: 400 };

  it("never throws on arbitrary text, and every event stays capped", () => {
    const parser = new StreamParser();
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 400 }), (line) => {
        expectCapped(parser.parse(line));
      }),
      runs,
    );
  });

  it("never throws on arbitrary JSON with a type field", () => {
    const parser = new StreamParser();
    const type = fc.constantFrom("assistant", "user", "result", "system", "stream_event", "x");
    const subtype = fc.constantFrom(
      "init",
      "api_retry",
      "task_started",
      "task_progress",
      "task_updated",
      "task_notification",
    );
    fc.assert(
      fc.property(
        type,
        subtype,
        fc.dictionary(fc.string(), fc.jsonValue()),
        (lineType, lineSubtype, rest) => {
          const line = JSON.stringify({ ...rest, type: lineType, subtype: lineSubtype });
          expectCapped(parser.parse(line));
        },
      ),
      runs,
    );
  });

  it("never throws on real lines with any one value replaced by arbitrary JSON", () => {
    const parser = new StreamParser();
    const paths = realLines.map((line) => leafPaths(line));
    fc.assert(
      fc.property(
        fc.nat(realLines.length - 1),
        fc.nat(),
        fc.jsonValue(),
        (lineIndex, pathSeed, replacement) => {
          const line = structuredClone(realLines[lineIndex]!);
          const linePaths = paths[lineIndex]!;
          setPath(line, linePaths[pathSeed % linePaths.length]!, replacement);
          const events = parser.parse(JSON.stringify(line));
          expect(events.length).toBeGreaterThan(0);
          expectCapped(events);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

/** Paths to every value in a JSON tree (objects and arrays too, so whole subtrees get replaced). */
function leafPaths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const paths: (string | number)[][] = prefix.length > 0 ? [prefix] : [];
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) paths.push(...leafPaths(item, [...prefix, index]));
  } else if (typeof value === "object" && value !== null)
    for (const [key, item] of Object.entries(value)) paths.push(...leafPaths(item, [...prefix, key]));
  return paths;
}

function setPath(root: Json, path: (string | number)[], replacement: unknown): void {
  let node: unknown = root;
  for (const key of path.slice(0, -1)) node = (node as Record<string | number, unknown>)[key];
  (node as Record<string | number, unknown>)[path.at(-1)!] = replacement;
}
