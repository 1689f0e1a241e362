// The tools every agent gets from Flotilla: names, descriptions written for the model, and the
// input schemas. The MCP server validates input with these before the worker sees a call; the
// worker's handlers parse with the same schemas again, since they must not trust the caller.
import { z } from "zod";

/** The name the CLI knows the server by: its tools are offered as `mcp__flotilla__<tool>`. */
export const mcpServerName = "flotilla";

export const toolNames = ["spawn_agent", "list_agents", "wait_for_agents", "read_agent_result"] as const;

export type ToolName = (typeof toolNames)[number];

/** Agent names become part of a branch (`agents/<run>/<name>`), so they are kept to a safe slug. */
const agentNamePattern = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export const toolInputSchemas = {
  spawn_agent: z.strictObject({
    task: z
      .string()
      .trim()
      .min(1)
      .describe(
        "Everything the sub-agent needs to know: the goal, the files or area involved, constraints, and what to report back. It cannot see this conversation.",
      ),
    name: z
      .string()
      .max(40)
      .regex(agentNamePattern, "use lowercase letters, digits and single hyphens, e.g. fix-login-test")
      .optional()
      .describe("A short kebab-case name for the sub-agent and its branch, e.g. `fix-login-test`."),
    budget_tokens: z
      .int()
      .positive()
      .optional()
      .describe(
        "Tokens the sub-agent may spend, taken from your own remaining budget. Omit to let Flotilla choose.",
      ),
  }),
  list_agents: z.strictObject({}),
  wait_for_agents: z.strictObject({
    ids: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe(
        "Ids of the sub-agents to wait for. Omit to wait for all of your sub-agents that are still working.",
      ),
    merge: z
      .boolean()
      .default(true)
      .describe(
        "Merge the branches of the sub-agents that succeeded into your branch when they finish (default true). Set false only to keep their work out of yours; their pull requests then stay open against your branch.",
      ),
  }),
  read_agent_result: z.strictObject({
    id: z.string().min(1).describe("The sub-agent's id, as returned by spawn_agent."),
    offset: z.int().min(0).default(0).describe("Character offset to start reading at."),
    limit: z.int().min(1).max(20_000).default(4000).describe("How many characters to read, at most 20000."),
  }),
} satisfies Record<ToolName, z.ZodObject>;

export const toolDescriptions: Record<ToolName, string> = {
  spawn_agent: [
    "Start a sub-agent: a separate Claude Code agent that works on one task while you continue.",
    "Returns the sub-agent's id at once; it does not wait for the sub-agent to finish.",
    "The sub-agent works on its own git branch made from your work so far and, when done, opens a pull request against your branch.",
    "It does not see this conversation: put everything it needs into `task`.",
    "Its token budget is taken from yours. Flotilla limits how deep sub-agents may nest and how many you may start; if the request is refused, the answer says why.",
    "Use list_agents to see progress and wait_for_agents to collect results.",
  ].join(" "),
  list_agents: [
    "List the sub-agents you started (your direct children only): id, name, state, tokens spent against budget, and pull request if any.",
    "Returns at once with a short, bounded summary; it does not wait.",
  ].join(" "),
  wait_for_agents: [
    "Pause until your sub-agents have finished: all of them that are still working, or only the ids given.",
    "While you wait you are stopped and spend nothing; you then continue in this same conversation and receive each sub-agent's outcome, its pull request and a short excerpt of its result (use read_agent_result for the full text).",
    "Flotilla first merges the branch of each sub-agent that succeeded into yours, in the order you started them, and commits each clean merge: their changes are then in your worktree. If a merge conflicts, the report lists the files left with conflict markers: resolve them and commit.",
    "Call this tool on its own, as the only tool call in your message, and only once you have nothing else to do until the sub-agents are done.",
  ].join(" "),
  read_agent_result: [
    "Read one page of a sub-agent's full final result, which can be much longer than the excerpt wait_for_agents shows.",
    "Returns at most `limit` characters starting at `offset`, and the total length: call again with a larger offset to read on.",
    "Only your own sub-agents can be read.",
  ].join(" "),
};

/** How a failure reads to the model: "Flotilla could not <action>: <reason>; …". */
export const toolFailureActions: Record<ToolName, string> = {
  spawn_agent: "start the sub-agent",
  list_agents: "list your sub-agents",
  wait_for_agents: "wait for your sub-agents",
  read_agent_result: "read the sub-agent's result",
};
