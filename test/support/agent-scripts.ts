// Scripts for the scripted model that drive agent trees: who the agent is comes from its
// prompt ("You are "<name>""), and what to do next from the newest user message (tool results
// or the report Flotilla resumes a parent with).
import { restartWithoutSessionMessage } from "../../src/agent/agent-prompt.ts";
import type { ModelTurn, RecordedRequest, ScriptContext } from "./scripted-model.ts";

export function agentNameOf(context: ScriptContext): string {
  return /You are "([^"]+)"/.exec(context.prompt)?.[1] ?? "unknown";
}

export function writeFile(context: ScriptContext, path: string, content: string): ModelTurn {
  return { toolCalls: [{ name: "Write", input: { file_path: `${context.cwd}/${path}`, content } }] };
}

/** A leaf's whole work: it writes `path` ("written by <its name>") on its first turn, then answers. */
export function writeThenAnswer(context: ScriptContext, path = `${agentNameOf(context)}.md`): ModelTurn {
  const name = agentNameOf(context);
  if (context.step === 0) return writeFile(context, path, `written by ${name}\n`);
  return { text: `${name} wrote ${path}` };
}

export function spawn(children: { name: string; task: string; budget_tokens?: number }[]): ModelTurn {
  return { toolCalls: children.map((child) => ({ name: "mcp__flotilla__spawn_agent", input: child })) };
}

export const waitForAll: ModelTurn = { toolCalls: [{ name: "mcp__flotilla__wait_for_agents", input: {} }] };

export function resumedWithReport(context: ScriptContext): boolean {
  return context.lastUserText.includes("Your sub-agents have finished");
}

/** True right after this agent wrote a file (the newest message is the Write tool's result). */
export function justWrote(context: ScriptContext): boolean {
  return /File created successfully|has been updated/.test(context.lastUserText);
}

/** The branch of the agent a request is for, named in its first prompt. */
function branchOfRequest(request: RecordedRequest): string | undefined {
  return /on branch `([^`]+)`/.exec(JSON.stringify(request.body.messages[0]))?.[1];
}

/** The requests an agent's CLI sent for its work (the side requests it makes offer no tools). */
export function workRequestsOf(requests: readonly RecordedRequest[], branch: string): RecordedRequest[] {
  return requests.filter(
    (request) => (request.body.tools ?? []).length > 0 && branchOfRequest(request) === branch,
  );
}

/**
 * The model's own turns a request carries: assistant messages with a tool call (every first turn
 * of these scripts is one). The CLI also writes assistant messages of its own into a session (an
 * API error it gave up on, say, when its worker died under it), which the model never wrote.
 */
export function modelTurnsIn(request: RecordedRequest | undefined): number {
  return (request?.body.messages ?? []).filter(
    (message) =>
      message.role === "assistant" &&
      Array.isArray(message.content) &&
      message.content.some((block) => block.type === "tool_use"),
  ).length;
}

/** A request's conversation in one line per message (role and the start of its text), for failures. */
export function conversationOf(request: RecordedRequest | undefined): string {
  return (request?.body.messages ?? [])
    .map((message) => {
      const blocks =
        typeof message.content === "string" ? [{ type: "text", text: message.content }] : message.content;
      const shown = blocks.map((block) =>
        block.type === "text" ? (block.text ?? "").slice(0, 120) : `[${block.type}]`,
      );
      return `${message.role}: ${shown.join(" ")}`;
    })
    .join("\n");
}

/**
 * In how many conversations the model read an agent's first prompt (requests in arrival order):
 * 1, however often the agent's session was resumed; 2 when Flotilla started the agent over
 * without its session (its restart message in the first prompt) after a request of the agent had
 * already reached the model, which then read the prompt twice (invariant 4 forbids it). 0 when
 * the model never heard from the agent.
 */
export function conversationsBegun(own: readonly RecordedRequest[]): number {
  if (own.length === 0) return 0;
  const firstStartedOver = own.findIndex((request) =>
    JSON.stringify(request.body.messages).includes(restartWithoutSessionMessage),
  );
  return firstStartedOver > 0 ? 2 : 1;
}
