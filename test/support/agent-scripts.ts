// Scripts for the scripted model that drive agent trees: who the agent is comes from its
// prompt ("You are "<name>""), and what to do next from the newest user message (tool results
// or the report Flotilla resumes a parent with).
import type { ModelTurn, ScriptContext } from "./scripted-model.ts";

export function agentNameOf(context: ScriptContext): string {
  return /You are "([^"]+)"/.exec(context.prompt)?.[1] ?? "unknown";
}

export function writeFile(context: ScriptContext, path: string, content: string): ModelTurn {
  return { toolCalls: [{ name: "Write", input: { file_path: `${context.cwd}/${path}`, content } }] };
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
