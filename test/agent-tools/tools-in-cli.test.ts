// Flotilla's tools in the real `claude` CLI (scripted model; the real gateway serving them over
// MCP, with a scripted tool handler in place of the worker's): the CLI connects, a call is run
// for the agent whose token the CLI presents and its answer reaches the model, a parked wait
// stops the agent cold, and `--resume` continues the same session afterwards.
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildClaudeArguments } from "../../src/agent/claude-arguments.ts";
import { signalProcessGroup } from "../../src/process/run-command.ts";
import { flotillaToolNames, writeMcpConfig } from "../../src/worker/tools/mcp-config.ts";
import { ScriptedModel } from "../support/scripted-model.ts";
import { useTestRedis } from "../support/test-redis.ts";
import { waitFor } from "../support/wait-for.ts";
import {
  type AgentSandbox,
  createAgentSandbox,
  initLine,
  isAlive,
  type StreamLine,
  startCli,
} from "./cli-run.ts";
import { ToolGateway } from "./tool-gateway.ts";

const agentId = "r1/root";
const spawnInput = { task: "Write tests for the login page", name: "login-tests", budget_tokens: 20_000 };
const spawnAnswer = "Started sub-agent r1/login-tests; it works on agents/r1/login-tests.";
const childResults = "Sub-agent r1/login-tests succeeded: PR #12. Excerpt: added 3 tests for login.";

const testRedis = useTestRedis();
const model = new ScriptedModel();
let worker: ToolGateway;
let sandbox: AgentSandbox;
let mcpConfigPath: string;

beforeAll(async () => {
  model.script("spawn-then-wait", ({ step }) => {
    if (step === 0) return { toolCalls: [{ name: "mcp__flotilla__spawn_agent", input: spawnInput }] };
    if (step === 1) return { toolCalls: [{ name: "mcp__flotilla__wait_for_agents", input: {} }] };
    return { text: "All sub-agents are done." };
  });
  await model.start();
  worker = new ToolGateway(testRedis, model.url);
  await worker.start();
  worker.handler = (call) => (call.tool === "wait_for_agents" ? { park: true } : { text: spawnAnswer });
  sandbox = await createAgentSandbox(model.url);
  mcpConfigPath = join(sandbox.dir, "mcp-config.json");
  const credential = worker.register(agentId);
  await writeMcpConfig(mcpConfigPath, { gatewayUrl: credential.baseUrl, agentToken: credential.token });
});

afterAll(async () => {
  await model.stop();
  await worker?.stop();
  await sandbox?.cleanup();
});

describe("flotilla tools in the real claude CLI", () => {
  it("connects, forwards a spawn, parks on wait, and resumes the session", async () => {
    const sessionId = randomUUID();
    const argsFor = (message: string, resume: boolean) =>
      buildClaudeArguments({
        message,
        sessionId,
        resume,
        allowedTools: ["Read", ...flotillaToolNames],
        maxTurns: 10,
        mcpConfigPath,
      });
    const run = startCli(sandbox, argsFor("Split the work. [[script:spawn-then-wait]]", false));

    // (1) The server is up and its four tools are offered.
    const init = await waitFor(() => initLine(run), { what: "the init line", timeoutMs: 60_000 });
    expect(init.mcp_servers).toEqual([{ name: "flotilla", status: "connected" }]);
    expect(init.tools).toEqual(expect.arrayContaining([...flotillaToolNames]));

    // (2) spawn_agent is run for the agent the token names, with its input; its answer reaches the model.
    await waitFor(() => worker.callsOf("wait_for_agents").length === 1, {
      what: "the wait call",
      timeoutMs: 60_000,
    });
    const [spawnCall] = worker.callsOf("spawn_agent");
    expect(spawnCall).toEqual({ agentId, tool: "spawn_agent", input: spawnInput });
    const toolRequests = model
      .requestsFor("spawn-then-wait")
      .filter((request) => (request.body.tools ?? []).length > 0);
    expect(toolRequests).toHaveLength(2);
    expect(JSON.stringify(toolRequests[1]?.body.messages.at(-1))).toContain(spawnAnswer);

    // (3) The parked wait: the assistant line shows the call, then nothing more happens.
    const isWaitCall = (line: StreamLine) =>
      line.type === "assistant" && JSON.stringify(line).includes('"name":"mcp__flotilla__wait_for_agents"');
    await waitFor(() => run.lines.some(({ line }) => isWaitCall(line)), {
      what: "the wait call in the stream",
    });
    const requestsBefore = model.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 4000));
    expect(model.requests.length).toBe(requestsBefore);
    expect(isWaitCall(run.lines.at(-1)?.line ?? {})).toBe(true);
    expect(isAlive(run.process.pid ?? 0)).toBe(true);

    signalProcessGroup(run.process.pid, "SIGKILL");
    const killed = await run.process;
    await run.drained;
    expect(killed.signal).toBe("SIGKILL");

    // The session file holds the wait call as its last entry…
    const sessionLines = (await readFile(sessionFilePath(sessionId), "utf8")).trim().split("\n");
    expect(sessionLines.at(-1)).toContain('"name":"mcp__flotilla__wait_for_agents"');

    // Resume in the same cwd and config dir with the children's results.
    const resumed = startCli(sandbox, argsFor(childResults, true));
    const finished = await resumed.process;
    await resumed.drained;
    expect(finished.exitCode).toBe(0);
    const result = resumed.lines.find(({ line }) => line.type === "result")?.line;
    expect(result).toMatchObject({
      is_error: false,
      result: "All sub-agents are done.",
      session_id: sessionId,
    });
    const messages = model.requestsFor("spawn-then-wait").at(-1)?.body.messages ?? [];
    expect(JSON.stringify(messages[0])).toContain("Split the work.");
    // On resume the CLI drops the unanswered wait call from what the model sees (no synthetic
    // tool_result either) and stitches the turn shut with two texts of its own. The resume
    // message must therefore say itself what it answers.
    expect(JSON.stringify(messages)).not.toContain("mcp__flotilla__wait_for_agents");
    expect(messages.slice(-4)).toMatchObject([
      {
        role: "assistant",
        content: [{ type: "tool_use", name: "mcp__flotilla__spawn_agent", input: spawnInput }],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", content: [{ type: "text", text: spawnAnswer }] },
          { type: "text", text: "Continue from where you left off." },
        ],
      },
      { role: "assistant", content: [{ type: "text", text: "No response requested." }] },
      { role: "user", content: [{ type: "text", text: childResults }] },
    ]);
  });

  it("shows the model the worker's refusals and the schema's complaints as error results", async () => {
    worker.handler = () => ({ text: "You may start at most 0 sub-agents.", isError: true });
    model.script("refused", ({ step }) =>
      step === 0
        ? {
            toolCalls: [
              { name: "mcp__flotilla__spawn_agent", input: { task: "Fix the build" } },
              { name: "mcp__flotilla__spawn_agent", input: { name: "no-task" } },
            ],
          }
        : { text: "Could not start sub-agents." },
    );
    const run = startCli(
      sandbox,
      buildClaudeArguments({
        message: "Try. [[script:refused]]",
        sessionId: randomUUID(),
        resume: false,
        allowedTools: flotillaToolNames,
        maxTurns: 5,
        mcpConfigPath,
      }),
    );
    expect((await run.process).exitCode).toBe(0);
    await run.drained;
    expect(worker.callsOf("spawn_agent").map((call) => call.input)).toContainEqual({ task: "Fix the build" });
    const results = (model.requestsFor("refused").at(-1)?.body.messages.at(-1)?.content ?? []) as unknown[];
    expect(results).toHaveLength(2);
    expect(results[0]).toMatchObject({ type: "tool_result", is_error: true });
    expect(JSON.stringify(results[0])).toContain("You may start at most 0 sub-agents.");
    expect(results[1]).toMatchObject({ type: "tool_result", is_error: true });
    expect(JSON.stringify(results[1])).toMatch(/task/);
  });
});

function sessionFilePath(sessionId: string): string {
  return join(
    sandbox.claudeConfigDir,
    "projects",
    sandbox.cwd.replace(/[^A-Za-z0-9]/g, "-"),
    `${sessionId}.jsonl`,
  );
}
