// The command line of an agent's `claude` process. The prompt goes first because list flags
// (--allowedTools, --tools, --mcp-config) swallow a following positional argument.

export interface ClaudeInvocation {
  /** The first prompt, or the next user message when resuming. */
  message: string;
  sessionId: string;
  /** Resume the session (`--resume`) instead of starting it (`--session-id`). */
  resume: boolean;
  allowedTools: readonly string[];
  maxTurns: number;
  model?: string | undefined;
  /** Path of the MCP config file that gives the agent Flotilla's tools. */
  mcpConfigPath?: string | undefined;
}

export function buildClaudeArguments(invocation: ClaudeInvocation): string[] {
  return [
    "-p",
    invocation.message,
    "--output-format",
    "stream-json",
    "--verbose",
    "--permission-mode",
    "acceptEdits",
    "--allowedTools",
    invocation.allowedTools.join(","),
    // The built-in tools the model is offered at all. Without it every built-in is offered, and
    // acceptEdits lets Write, Edit and file-writing Bash run even when --allowedTools omits them.
    "--tools",
    builtInTools(invocation.allowedTools).join(","),
    "--max-turns",
    String(invocation.maxTurns),
    // Only our own user settings (in the agent's CLAUDE_CONFIG_DIR): a repository's
    // .claude/settings.json could otherwise grant tools or add hooks.
    "--setting-sources",
    "user",
    ...(invocation.resume ? ["--resume", invocation.sessionId] : ["--session-id", invocation.sessionId]),
    ...(invocation.model === undefined ? [] : ["--model", invocation.model]),
    ...(invocation.mcpConfigPath === undefined
      ? ["--strict-mcp-config"]
      : ["--mcp-config", invocation.mcpConfigPath, "--strict-mcp-config"]),
  ];
}

/** `Bash` for `Bash(npm test:*)`; MCP tools (`mcp__…`) are not built-ins and are left out. */
function builtInTools(allowedTools: readonly string[]): string[] {
  const names = allowedTools
    .filter((entry) => !entry.startsWith("mcp__"))
    .map((entry) => (entry.includes("(") ? entry.slice(0, entry.indexOf("(")) : entry));
  return [...new Set(names)];
}
