// The command line of an agent's `claude` process. The prompt goes first because list flags
// (--allowedTools, --mcp-config) swallow a following positional argument.

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
