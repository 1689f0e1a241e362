// The parser on real lines captured from the real CLI (test/support/capture-stream-fixtures.ts).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { AgentStreamEvent, TokenUsage } from "../../src/agent/stream-events.ts";
import { StreamParser } from "../../src/agent/stream-parser.ts";
import { projectRoot } from "../support/paths.ts";

type Json = Record<string, unknown>;

function fixtureLines(name: string): string[] {
  const text = readFileSync(`${projectRoot}test/fixtures/stream/${name}.jsonl`, "utf8");
  return text.split("\n").filter((line) => line !== "");
}

function parseFixture(name: string): AgentStreamEvent[] {
  const parser = new StreamParser();
  return fixtureLines(name).flatMap((line) => parser.parse(line));
}

function usage(inputTokens: number, outputTokens: number): TokenUsage {
  return { inputTokens, outputTokens, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 };
}

const builtInTools = [
  "Task",
  "Bash",
  "CronCreate",
  "CronDelete",
  "CronList",
  "Edit",
  "EnterWorktree",
  "ExitWorktree",
  "NotebookEdit",
  "Read",
  "ReportFindings",
  "ScheduleWakeup",
  "SendMessage",
  "Skill",
  "TaskCreate",
  "TaskGet",
  "TaskList",
  "TaskOutput",
  "TaskStop",
  "TaskUpdate",
  "WebFetch",
  "WebSearch",
  "Workflow",
  "Write",
];

function init(sessionId: string): AgentStreamEvent {
  return {
    kind: "init",
    sessionId,
    model: "claude-opus-4-8[1m]",
    tools: builtInTools,
    mcpServers: [],
    cwd: "/tmp/flotilla-fixture/repo",
  };
}

const fixtureNames = [
  "write-file",
  "multi-block",
  "big-output",
  "api-error",
  "max-turns",
  "subagent",
  "overloaded-retry",
];

describe("StreamParser on captured CLI output", () => {
  it("write-file: a Write call, its result and the final text", () => {
    const sessionId = "00000000-0000-4000-8000-00000000000a";
    const path = "/tmp/flotilla-fixture/repo/HELLO.md";
    expect(parseFixture("write-file")).toEqual([
      init(sessionId),
      {
        kind: "usage",
        messageId: "msg_scripted_1",
        model: "claude-scripted",
        usage: usage(100, 1),
        parentToolUseId: null,
      },
      {
        kind: "tool_call",
        toolUseId: "toolu_1_0",
        name: "Write",
        inputSummary: path,
        input: { file_path: path, content: "# Hello\n" },
        messageId: "msg_scripted_1",
        parentToolUseId: null,
      },
      {
        kind: "tool_result",
        toolUseId: "toolu_1_0",
        isError: false,
        preview: `File created successfully at: ${path} (file state is current in your context — no need to Read it back)`,
        parentToolUseId: null,
      },
      {
        kind: "usage",
        messageId: "msg_scripted_2",
        model: "claude-scripted",
        usage: usage(180, 1),
        parentToolUseId: null,
      },
      { kind: "assistant_text", text: "Wrote HELLO.md.", messageId: "msg_scripted_2", parentToolUseId: null },
      {
        kind: "result",
        isError: false,
        subtype: "success",
        text: "Wrote HELLO.md.",
        numTurns: 2,
        totalCostUsd: 0.0022,
        usage: usage(280, 32),
        apiErrorStatus: null,
        errors: [],
        permissionDenials: 0,
        sessionId,
      },
    ]);
  });

  it("multi-block: one message on three lines gives its usage once and all three blocks", () => {
    const lines = fixtureLines("multi-block");
    expect(lines.filter((line) => line.includes('"id":"msg_scripted_1"'))).toHaveLength(3);
    const common = { messageId: "msg_scripted_1", parentToolUseId: null };
    expect(parseFixture("multi-block")).toEqual([
      init("00000000-0000-4000-8000-00000000000b"),
      { kind: "usage", model: "claude-scripted", usage: usage(150, 1), ...common },
      { kind: "assistant_text", text: "Running two commands.", ...common },
      {
        kind: "tool_call",
        toolUseId: "toolu_1_1",
        name: "Bash",
        inputSummary: "echo first",
        input: { command: "echo first", description: "Print first" },
        ...common,
      },
      {
        kind: "tool_call",
        toolUseId: "toolu_1_2",
        name: "Bash",
        inputSummary: "echo second",
        input: { command: "echo second", description: "Print second" },
        ...common,
      },
      {
        kind: "tool_result",
        toolUseId: "toolu_1_1",
        isError: false,
        preview: "first",
        parentToolUseId: null,
      },
      {
        kind: "tool_result",
        toolUseId: "toolu_1_2",
        isError: false,
        preview: "second",
        parentToolUseId: null,
      },
      {
        kind: "usage",
        messageId: "msg_scripted_2",
        model: "claude-scripted",
        usage: usage(260, 1),
        parentToolUseId: null,
      },
      {
        kind: "assistant_text",
        text: "Both commands ran.",
        messageId: "msg_scripted_2",
        parentToolUseId: null,
      },
      {
        kind: "result",
        isError: false,
        subtype: "success",
        text: "Both commands ran.",
        numTurns: 3,
        totalCostUsd: 0.00325,
        usage: usage(410, 48),
        apiErrorStatus: null,
        errors: [],
        permissionDenials: 0,
        sessionId: "00000000-0000-4000-8000-00000000000b",
      },
    ]);
  });

  it("big-output: a 5 MB command output gives a capped preview", () => {
    const lines = fixtureLines("big-output");
    const resultLine = lines.find((line) => line.startsWith('{"type":"user"'))!;
    expect(resultLine.length).toBeGreaterThan(30_000);
    const events = parseFixture("big-output");
    const toolResult = events.find((event) => event.kind === "tool_result");
    expect(toolResult).toMatchObject({ toolUseId: "toolu_1_0", isError: false });
    const preview = toolResult?.kind === "tool_result" ? toolResult.preview : "";
    expect(preview).toHaveLength(1000);
    expect(preview.startsWith("<persisted-output>\nOutput too large (4.8MB).")).toBe(true);
    expect(preview.endsWith("x…")).toBe(true);
    expect(events.map((event) => event.kind)).toEqual([
      "init",
      "usage",
      "tool_call",
      "tool_result",
      "usage",
      "assistant_text",
      "result",
    ]);
  });

  it("api-error: a 400 ends the run with is_error, status 400 and the explanation, and no usage", () => {
    const syntheticId = (JSON.parse(fixtureLines("api-error")[1]!) as { message: { id: string } }).message.id;
    const explanation =
      "Prompt is too long · the request is ~215000 tokens (limit 200000) but this conversation is only ~1542 tokens — the rest is system prompt, tool definitions, and attachment content. A single-exchange conversation cannot be compacted; reduce attached files/tools or start with less context.";
    expect(parseFixture("api-error")).toEqual([
      init("00000000-0000-4000-8000-00000000000d"),
      { kind: "assistant_text", text: explanation, messageId: syntheticId, parentToolUseId: null },
      {
        kind: "result",
        isError: true,
        subtype: "success",
        text: explanation,
        numTurns: 1,
        totalCostUsd: 0,
        usage: usage(0, 0),
        apiErrorStatus: 400,
        errors: [],
        permissionDenials: 0,
        sessionId: "00000000-0000-4000-8000-00000000000d",
      },
    ]);
  });

  it("max-turns: error_max_turns with its error and no text", () => {
    const events = parseFixture("max-turns");
    expect(events.map((event) => event.kind)).toEqual([
      "init",
      "usage",
      "tool_call",
      "tool_result",
      "result",
    ]);
    expect(events.at(-1)).toEqual({
      kind: "result",
      isError: true,
      subtype: "error_max_turns",
      text: "",
      numTurns: 2,
      totalCostUsd: 0.001,
      usage: usage(100, 20),
      apiErrorStatus: null,
      errors: ["Reached maximum number of turns (1)"],
      permissionDenials: 0,
      sessionId: "00000000-0000-4000-8000-00000000000e",
    });
  });

  it("subagent: the Agent call, the sub-agent's own lines under its tool use id, and its lifecycle", () => {
    const started = fixtureLines("subagent")
      .map((line) => JSON.parse(line) as Json)
      .find((line) => line.subtype === "task_started");
    const taskId = String(started?.task_id);
    const sessionId = "00000000-0000-4000-8000-00000000000f";
    const childPrompt = "[[script:subagent-child]] Count the files in the repository.";
    const events = parseFixture("subagent");
    const finalResult = events.find(
      (event) => event.kind === "tool_result" && event.toolUseId === "toolu_1_0",
    );
    expect(
      finalResult?.kind === "tool_result" &&
        finalResult.preview.startsWith("There are 3 entries.\nagentId: "),
    ).toBe(true);
    expect(events).toEqual([
      init(sessionId),
      {
        kind: "usage",
        messageId: "msg_scripted_1",
        model: "claude-scripted",
        usage: usage(100, 1),
        parentToolUseId: null,
      },
      {
        kind: "tool_call",
        toolUseId: "toolu_1_0",
        name: "Agent",
        inputSummary: "Count tracked files",
        input: { description: "Count tracked files", prompt: childPrompt, subagent_type: "general-purpose" },
        messageId: "msg_scripted_1",
        parentToolUseId: null,
      },
      {
        kind: "subagent",
        phase: "started",
        taskId,
        toolUseId: "toolu_1_0",
        description: "Count tracked files",
      },
      { kind: "other", type: "user" },
      {
        kind: "subagent",
        phase: "progress",
        taskId,
        toolUseId: "toolu_1_0",
        description: "Running Count files",
      },
      {
        kind: "usage",
        messageId: "msg_scripted_2",
        model: "claude-scripted",
        usage: usage(100, 1),
        parentToolUseId: "toolu_1_0",
      },
      {
        kind: "tool_call",
        toolUseId: "toolu_2_0",
        name: "Bash",
        inputSummary: "ls -a | wc -l",
        input: { command: "ls -a | wc -l", description: "Count files" },
        messageId: "msg_scripted_2",
        parentToolUseId: "toolu_1_0",
      },
      {
        kind: "tool_result",
        toolUseId: "toolu_2_0",
        isError: false,
        preview: "3",
        parentToolUseId: "toolu_1_0",
      },
      {
        kind: "subagent",
        phase: "progress",
        taskId,
        toolUseId: "toolu_1_0",
        description: "Count tracked files",
        status: "completed",
      },
      {
        kind: "subagent",
        phase: "finished",
        taskId,
        toolUseId: "toolu_1_0",
        description: "Count tracked files",
        status: "completed",
      },
      finalResult,
      {
        kind: "usage",
        messageId: "msg_scripted_4",
        model: "claude-scripted",
        usage: usage(100, 1),
        parentToolUseId: null,
      },
      {
        kind: "assistant_text",
        text: "The sub-agent counted the files.",
        messageId: "msg_scripted_4",
        parentToolUseId: null,
      },
      {
        kind: "result",
        isError: false,
        subtype: "success",
        text: "The sub-agent counted the files.",
        numTurns: 2,
        totalCostUsd: 0.004725,
        usage: usage(200, 40),
        apiErrorStatus: null,
        errors: [],
        permissionDenials: 0,
        sessionId,
      },
    ]);
  });

  it("overloaded-retry: two api_retry events, then the answer", () => {
    const events = parseFixture("overloaded-retry");
    expect(events.map((event) => event.kind)).toEqual([
      "init",
      "api_retry",
      "api_retry",
      "usage",
      "assistant_text",
      "result",
    ]);
    const retries = events.filter((event) => event.kind === "api_retry");
    expect(
      retries.map(({ attempt, maxRetries, errorStatus, error }) => ({
        attempt,
        maxRetries,
        errorStatus,
        error,
      })),
    ).toEqual([
      { attempt: 1, maxRetries: 3, errorStatus: 529, error: "overloaded" },
      { attempt: 2, maxRetries: 3, errorStatus: 529, error: "overloaded" },
    ]);
    for (const retry of retries) {
      expect(Number.isInteger(retry.retryDelayMs) && retry.retryDelayMs > 0).toBe(true);
    }
    expect(events.at(-1)).toMatchObject({
      kind: "result",
      isError: false,
      text: "Answered after two overloaded replies.",
    });
  });

  it("gives usage exactly once per model message id, in every fixture", () => {
    for (const name of fixtureNames) {
      const messageIds = new Set(
        fixtureLines(name)
          .map((line) => JSON.parse(line) as { type: string; message?: { id: string; model: string } })
          .filter((line) => line.type === "assistant" && line.message?.model !== "<synthetic>")
          .map((line) => line.message?.id),
      );
      const usageIds = parseFixture(name).flatMap((event) =>
        event.kind === "usage" ? [event.messageId] : [],
      );
      expect(usageIds.toSorted(), name).toEqual([...messageIds].toSorted());
    }
  });

  it("remembers message ids per parser: a repeated line gives its usage once, a new parser counts it again", () => {
    const line = fixtureLines("multi-block")[1]!;
    const parser = new StreamParser();
    const kinds = [...parser.parse(line), ...parser.parse(line)].map((event) => event.kind);
    expect(kinds).toEqual(["usage", "assistant_text", "assistant_text"]);
    expect(new StreamParser().parse(line).map((event) => event.kind)).toEqual(["usage", "assistant_text"]);
  });
});
