// A stand-in for `claude` in the trees benchmark that speaks MCP the way the CLI does: it connects
// to the server named in the `--mcp-config` Flotilla passes (the worker's gateway, over HTTP)
// before its init line, then acts out the task `[[tree path=r depth=2 fanout=10 work-ms=2000
// mode=park|hold]]`: a leaf (depth 0) "works" work-ms; a parent spawns `fanout` children through
// spawn_agent and then either waits through wait_for_agents (parked by Flotilla, resumed with
// `--resume`) or, with mode=hold, keeps its slot and polls list_agents until they are done, as an
// agent without parking would. Every line goes to stdout and to the session file, as the CLI's do.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { sessionFilePath } from "../../src/agent/session-file.ts";

const pollMs = 5_000;
const terminalStates = new Set(["succeeded", "failed", "cancelled", "out_of_budget", "timed_out"]);

const argv = process.argv.slice(2);
// What Flotilla's start-up check asks of any claude it is given.
if (argv.includes("--version")) {
  console.log("2.1.197 (Claude Code; tree stand-in for the trees benchmark)");
  process.exit(0);
}
const flag = (name: string) => {
  const index = argv.indexOf(name);
  return index === -1 ? undefined : argv[index + 1];
};
const message = flag("-p") ?? "";
const resumed = flag("--resume");
const sessionId = resumed ?? flag("--session-id") ?? "";
const claudeConfigDir = process.env.CLAUDE_CONFIG_DIR ?? "";
const sessionFile = sessionFilePath(claudeConfigDir, process.cwd(), sessionId);
let messageCount = 0;
let turns = 0;

function emit(line: Record<string, unknown>): void {
  const text = `${JSON.stringify({ ...line, session_id: sessionId })}\n`;
  process.stdout.write(text);
  appendFileSync(sessionFile, text);
}

function assistant(content: Record<string, unknown>[]): void {
  messageCount += 1;
  turns += 1;
  const usage = {
    input_tokens: 800,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: 40,
  };
  emit({
    type: "assistant",
    message: {
      id: `msg_${sessionId.slice(0, 8)}_${messageCount}`,
      role: "assistant",
      model: "stand-in",
      content,
      usage,
    },
    parent_tool_use_id: null,
  });
}

/** One tool call as the CLI shows it: the assistant's tool_use, then the user's tool_result. */
async function toolCall(
  name: string,
  input: Record<string, unknown>,
  run: () => Promise<string>,
): Promise<string> {
  const id = `toolu_${messageCount + 1}`;
  assistant([{ type: "tool_use", id, name, input }]);
  const text = await run();
  emit({
    type: "user",
    message: { role: "user", content: [{ type: "tool_result", tool_use_id: id, content: text }] },
    parent_tool_use_id: null,
  });
  return text;
}

/**
 * Ends the session as a real agent's last turn does: one model call through Flotilla's gateway
 * (the worker judges how an agent ended by what its gateway saw, not by what the agent printed),
 * then the final text and the result line.
 */
async function finish(text: string): Promise<void> {
  const response = await fetch(`${(process.env.ANTHROPIC_BASE_URL ?? "").replace(/\/+$/, "")}/v1/messages`, {
    method: "POST",
    headers: {
      "x-api-key": process.env.ANTHROPIC_API_KEY ?? "",
      "content-type": "application/json",
      "anthropic-version": "2023-06-01",
    },
    body: JSON.stringify({
      model: "claude-sonnet-4-5",
      max_tokens: 64,
      stream: true,
      messages: [{ role: "user", content: "Done?" }],
    }),
  });
  await response.text();
  if (!response.ok) {
    process.stderr.write(`stand-in claude: the gateway answered ${response.status}\n`);
    process.exit(1);
  }
  assistant([{ type: "text", text }]);
  emit({
    type: "result",
    subtype: "success",
    is_error: false,
    num_turns: turns,
    result: text,
    total_cost_usd: 0,
    usage: {
      input_tokens: 800 * turns,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: 40 * turns,
    },
    permission_denials: [],
  });
}

if (sessionId === "" || claudeConfigDir === "") {
  process.stderr.write("stand-in claude: needs --session-id or --resume, and CLAUDE_CONFIG_DIR\n");
  process.exit(1);
}
if (resumed !== undefined && !existsSync(sessionFile)) {
  // What the real CLI answers for a session it cannot find.
  process.stdout.write(
    `${JSON.stringify({ type: "result", subtype: "error_during_execution", is_error: true, num_turns: 0, result: `No conversation found with session ID: ${sessionId}`, session_id: sessionId })}\n`,
  );
  process.exit(1);
}
mkdirSync(dirname(sessionFile), { recursive: true });

const mcpConfigPath = flag("--mcp-config");
const server =
  mcpConfigPath === undefined
    ? undefined
    : JSON.parse(readFileSync(mcpConfigPath, "utf8")).mcpServers?.flotilla;
const client = new Client({ name: "tree-stand-in", version: "0" });
if (server !== undefined) {
  await client.connect(
    new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: server.headers } }),
  );
}
emit({
  type: "system",
  subtype: "init",
  cwd: process.cwd(),
  mcp_servers: [{ name: "flotilla", status: server === undefined ? "failed" : "connected" }],
});

const callTool = async (name: string, args: Record<string, unknown>) => {
  // A parked wait never answers (the worker kills this process); no client-side timeout.
  const answer = await client.callTool({ name, arguments: args }, undefined, { timeout: 86_400_000 });
  const content = answer.content as { type: string; text?: string }[];
  return content.map((block) => block.text ?? "").join("\n");
};

const spec = Object.fromEntries(
  [...(/\[\[tree ([^\]]*)\]\]/.exec(message)?.[1]?.matchAll(/(\S+)=(\S+)/g) ?? [])].map((m) => [m[1], m[2]]),
);
const path = spec.path ?? "r";
const depth = Number(spec.depth ?? 0);
const fanout = Number(spec.fanout ?? 0);
const workMs = Number(spec["work-ms"] ?? 2000);

if (resumed !== undefined) {
  // Resumed after a park: the message is Flotilla's report of the children.
  await finish(
    `${message.includes("Your sub-agents have finished") ? "Integrated my sub-agents' work." : "Continued."}`,
  );
} else if (depth === 0) {
  await toolCall("Bash", { command: `sleep ${workMs / 1000}` }, async () => {
    await sleep(workMs);
    return "";
  });
  await finish(`Leaf ${path} worked ${workMs} ms.`);
} else {
  for (let index = 1; index <= fanout; index += 1) {
    const child = `${path}-${index}`;
    const input = {
      name: child,
      task: `[[tree path=${child} depth=${depth - 1} fanout=${fanout} work-ms=${workMs} mode=${spec.mode}]] do part ${child}`,
    };
    await toolCall("mcp__flotilla__spawn_agent", input, () => callTool("spawn_agent", input));
  }
  if (spec.mode === "hold") {
    for (;;) {
      const list = await toolCall("mcp__flotilla__list_agents", {}, () => callTool("list_agents", {}));
      const states = [...list.matchAll(/\): (\w+),/g)].map((m) => m[1] ?? "");
      if (states.length >= fanout && states.every((state) => terminalStates.has(state))) break;
      await toolCall("Bash", { command: `sleep ${pollMs / 1000}` }, async () => {
        await sleep(pollMs);
        return "";
      });
    }
    await finish(`All ${fanout} sub-agents of ${path} are done.`);
  } else {
    // Parks: Flotilla kills this process and resumes the session when the children are done.
    await toolCall("mcp__flotilla__wait_for_agents", {}, () => callTool("wait_for_agents", {}));
    await finish(`All ${fanout} sub-agents of ${path} were done already.`);
  }
}
await client.close();
process.exit(0);
