// What each of an agent's tools does (src/agent-tools/ is how they look to the model; the
// gateway serves them over MCP). The caller is identified by its gateway token, so an agent can
// only act on its own subtree.

import { toolInputSchemas } from "../../agent-tools/flotilla-tools.ts";
import type { Services } from "../../services.ts";
import { runIdOfAgent } from "../../store/identifiers.ts";
import { formatTokens } from "../../text/format-tokens.ts";
import { spawnChild } from "./spawn-child.ts";
import { describeInputProblem, type ToolReply, toolError } from "./tool-replies.ts";
import { waitForChildren } from "./wait-for-children.ts";

/** What the agent tools use: records, budgets, the queue for children, and the running agents. */
export type AgentToolServices = Pick<
  Services,
  "store" | "budgets" | "queue" | "reporter" | "runningAgents" | "log"
>;

export function createAgentToolHandler(deps: AgentToolServices) {
  return async (agentId: string, tool: string, input: unknown): Promise<ToolReply> => {
    try {
      return await runTool(deps, agentId, tool, input ?? {});
    } catch (error) {
      deps.log.error({ err: error, runId: runIdOfAgent(agentId), agentId, tool }, "agent tool failed");
      return toolError(`Flotilla could not run ${tool}: ${String(error)}. Try again.`);
    }
  };
}

async function runTool(
  deps: AgentToolServices,
  agentId: string,
  tool: string,
  input: unknown,
): Promise<ToolReply> {
  switch (tool) {
    case "spawn_agent": {
      const parsed = toolInputSchemas.spawn_agent.safeParse(input);
      if (!parsed.success) return toolError(`spawn_agent: ${describeInputProblem(parsed.error)}`);
      return spawnChild(deps, agentId, {
        task: parsed.data.task,
        name: parsed.data.name,
        budgetTokens: parsed.data.budget_tokens,
      });
    }
    case "wait_for_agents": {
      const parsed = toolInputSchemas.wait_for_agents.safeParse(input);
      if (!parsed.success) return toolError(`wait_for_agents: ${describeInputProblem(parsed.error)}`);
      return waitForChildren(deps, agentId, parsed.data.ids, parsed.data.merge);
    }
    case "list_agents":
      return listChildren(deps, agentId);
    case "read_agent_result": {
      const parsed = toolInputSchemas.read_agent_result.safeParse(input);
      if (!parsed.success) return toolError(`read_agent_result: ${describeInputProblem(parsed.error)}`);
      return readResult(deps, agentId, parsed.data.id, parsed.data.offset, parsed.data.limit);
    }
    default:
      return toolError(`Unknown tool "${tool}".`);
  }
}

async function listChildren(deps: Pick<Services, "store">, agentId: string): Promise<ToolReply> {
  const children = await deps.store.listChildren(agentId);
  if (children.length === 0) return { text: "You have not started any sub-agents." };
  const lines = children.map(
    (child) =>
      `- ${child.id} (${child.name}): ${child.state}, spent ${formatTokens(child.spentTokens)} of ${formatTokens(child.budgetTokens)} tokens${
        child.pullRequestUrl === undefined ? "" : `, pull request ${child.pullRequestUrl}`
      }${child.error === undefined || child.state === "succeeded" ? "" : `, error: ${child.error.slice(0, 200)}`}`,
  );
  return { text: `Your sub-agents:\n${lines.join("\n")}` };
}

/** Pages through the result of an agent in the caller's subtree. */
async function readResult(
  deps: Pick<Services, "store">,
  callerId: string,
  targetId: string,
  offset: number,
  limit: number,
): Promise<ToolReply> {
  const target = await deps.store.getAgent(targetId);
  if (target === undefined || !(await isDescendant(deps, callerId, targetId))) {
    return toolError(`${targetId} is not one of your sub-agents; list_agents shows them.`);
  }
  const page = await deps.store.readResult(targetId, offset, limit);
  if (page === undefined) return { text: `${targetId} has no result yet (it is ${target.state}).` };
  const end = offset + page.text.length;
  const more =
    end < page.totalChars
      ? ` More: read_agent_result {"id": "${targetId}", "offset": ${end}}.`
      : " End of result.";
  return {
    text: `Characters ${offset}–${end} of ${page.totalChars} of ${targetId}'s result.${more}\n<<<\n${page.text}\n>>>`,
  };
}

async function isDescendant(
  deps: Pick<Services, "store">,
  ancestorId: string,
  agentId: string,
): Promise<boolean> {
  let current = await deps.store.getAgent(agentId);
  while (current?.parentId !== undefined) {
    if (current.parentId === ancestorId) return true;
    current = await deps.store.getAgent(current.parentId);
  }
  return false;
}
