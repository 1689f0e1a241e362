// Claude Code's `--output-format stream-json --verbose` output, made up but shaped like the real
// lines (test/fixtures/stream, docs/cli-facts.md): an init line, then turns of assistant
// lines (text, tool_use with inputs, usage) and user lines with tool results, now and then a
// built-in sub-agent's task lines or an API retry, a multi-MB line every ~`bigLineEveryBytes`,
// and a result line. Yields line after line (no "\n") until about `totalBytes`, holding none.
import { codeText } from "./code-text.ts";
import { type SeededRandom, seededRandom } from "./seeded-random.ts";

export interface StreamShape {
  totalBytes: number;
  /** @defaultValue 64 MiB */
  bigLineEveryBytes?: number;
}

const sessionId = "00000000-0000-4000-8000-0000000be4c4";
const cwd = "/data/worktrees/r1/bench-agent";
const tools = ["Task", "Bash", "Edit", "Glob", "Grep", "Read", "Write", "mcp__flotilla__spawn_agent"];

export function* streamJsonLines(shape: StreamShape): Generator<string> {
  const random = seededRandom(7);
  const bigLineEvery = shape.bigLineEveryBytes ?? 64 * 2 ** 20;
  let written = 0;
  let nextBigLineAt = bigLineEvery / 2;
  const emit = (line: object): string => {
    const text = JSON.stringify(line);
    written += Buffer.byteLength(text) + 1;
    return text;
  };
  yield emit({
    type: "system",
    subtype: "init",
    cwd,
    session_id: sessionId,
    tools,
    mcp_servers: [{ name: "flotilla", status: "connected" }],
    model: "claude-opus-4-8",
    permissionMode: "acceptEdits",
    claude_code_version: "2.1.197",
  });
  for (let turn = 1; written < shape.totalBytes; turn += 1) {
    const big = written >= nextBigLineAt;
    if (big) nextBigLineAt += bigLineEvery;
    for (const line of turnLines(random, turn, big)) yield emit(line);
  }
  yield emit({
    type: "result",
    subtype: "success",
    is_error: false,
    num_turns: 42,
    result: "Done: the change is committed on the branch.",
    session_id: sessionId,
    total_cost_usd: 12.5,
    usage: {
      input_tokens: 1000,
      output_tokens: 20_000,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    },
    permission_denials: [],
  });
}

/** One model turn: its assistant lines, then the results of the tools it called. */
function turnLines(random: SeededRandom, turn: number, big: boolean): object[] {
  const inSubagent = random.next() < 0.1;
  const parent = inSubagent ? `toolu_task_${turn}` : null;
  const lines: object[] = [];
  if (inSubagent) lines.push(taskLine(turn, "task_started"));
  if (random.next() < 0.01) {
    lines.push({
      type: "system",
      subtype: "api_retry",
      attempt: 1,
      max_retries: 10,
      retry_delay_ms: 523.4,
      error_status: 529,
      error: "overloaded",
    });
  }
  const message = { id: `msg_${turn}`, type: "message", role: "assistant", model: "claude-opus-4-8" };
  const usage = {
    input_tokens: random.int(100, 5_000),
    output_tokens: random.int(1, 500),
    cache_read_input_tokens: random.int(0, 90_000),
  };
  const assistant = (content: object) => ({
    type: "assistant",
    message: { ...message, content: [content], stop_reason: null, usage },
    parent_tool_use_id: parent,
    session_id: sessionId,
    uuid: `uuid-${turn}-${lines.length}`,
  });
  // One model message can be several lines, one per block, with the same id and usage.
  if (random.next() < 0.6)
    lines.push(assistant({ type: "text", text: codeText(random, random.logNormal(300, 1)) }));
  const calls = random.int(1, 3);
  for (let call = 0; call < calls; call += 1) {
    const id = `toolu_${turn}_${call}`;
    const bigHere = big && call === 0;
    const name = bigHere
      ? random.pick(["Write", "Read"])
      : random.pick(["Bash", "Read", "Edit", "Grep", "Write"]);
    lines.push(assistant({ type: "tool_use", id, name, input: toolInput(random, name, bigHere) }));
    lines.push({
      type: "user",
      message: { role: "user", content: [toolResult(random, id, name, bigHere)] },
      parent_tool_use_id: parent,
      session_id: sessionId,
      uuid: `uuid-${turn}-${lines.length}`,
      timestamp: "2026-11-25T17:48:02.087Z",
    });
  }
  if (inSubagent) lines.push(taskLine(turn, "task_notification"));
  return lines;
}

function toolInput(random: SeededRandom, name: string, big: boolean): object {
  const file_path = `${cwd}/src/module-${random.int(0, 500)}/file-${random.int(0, 99)}.ts`;
  if (name === "Bash")
    return { command: `npm test -- --grep "case ${random.int(0, 999)}"`, description: "Run the tests" };
  if (name === "Read") return { file_path };
  if (name === "Grep") return { pattern: "parse\\(", path: cwd, output_mode: "content" };
  if (name === "Edit") {
    return {
      file_path,
      old_string: codeText(random, random.logNormal(400, 1)),
      new_string: codeText(random, random.logNormal(500, 1)),
    };
  }
  const bytes = big ? random.int(1, 6) * 2 ** 20 : random.logNormal(3_000, 1.2);
  return { file_path, content: codeText(random, bytes) };
}

/** Tool output is where the bytes are: file reads, test logs, sometimes a whole large file. */
function toolResult(random: SeededRandom, toolUseId: string, name: string, big: boolean): object {
  const bytes =
    big && name === "Read"
      ? random.int(1, 6) * 2 ** 20
      : name === "Write"
        ? 120
        : Math.min(2 ** 20, random.logNormal(6_000, 1.5));
  const text = name === "Write" ? `File created successfully at: ${cwd}/file.ts` : codeText(random, bytes);
  const isError = random.next() < 0.05;
  // The CLI gives tool results either as a string or as a list of text blocks.
  const content = random.next() < 0.8 ? text : [{ type: "text", text }];
  return { tool_use_id: toolUseId, type: "tool_result", content, is_error: isError };
}

function taskLine(turn: number, subtype: "task_started" | "task_notification"): object {
  return {
    type: "system",
    subtype,
    task_id: `task${turn}`,
    tool_use_id: `toolu_task_${turn}`,
    description: "Explore the parser",
    ...(subtype === "task_notification" ? { status: "completed", summary: "Explored the parser" } : {}),
    session_id: sessionId,
  };
}
