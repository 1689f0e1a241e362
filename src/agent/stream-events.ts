// What Flotilla takes from one line of `claude -p --output-format stream-json --verbose`.
// Strings are capped (see StreamParserOptions) except `result.text`, so an event stays small
// even when the line behind it is large; the caller bounds `result.text` itself.

/**
 * Tokens as the stream reports them. An `assistant` line carries the usage of the answer's
 * `message_start` (its output count is often 1), so stream usage is an approximation for
 * progress display only; the exact charge is what the model gateway counts from the API's answers.
 */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheCreationInputTokens: number;
  cacheReadInputTokens: number;
}

export interface McpServerStatus {
  name: string;
  /** `connected`, `failed`, `pending`, … as the CLI reports it. */
  status: string;
}

export type SubagentPhase = "started" | "progress" | "finished";

/** `parentToolUseId` is the id of the built-in sub-agent tool call a line belongs to, or null. */
export type AgentStreamEvent =
  | {
      kind: "init";
      sessionId: string;
      model: string;
      tools: string[];
      mcpServers: McpServerStatus[];
      cwd: string;
    }
  | { kind: "assistant_text"; text: string; messageId: string; parentToolUseId: string | null }
  | {
      kind: "tool_call";
      toolUseId: string;
      name: string;
      /** One line: the Bash command, the file path, the sub-agent's description, … */
      inputSummary: string;
      /** The tool input exactly as parsed from the line (not capped). */
      input: unknown;
      messageId: string;
      parentToolUseId: string | null;
    }
  | {
      kind: "tool_result";
      toolUseId: string;
      isError: boolean;
      preview: string;
      parentToolUseId: string | null;
    }
  /** Once per model message id, the first time the message is seen (see TokenUsage). */
  | { kind: "usage"; messageId: string; model: string; usage: TokenUsage; parentToolUseId: string | null }
  /** The CLI is retrying a failed model call itself; the run is waiting, not stuck. */
  | {
      kind: "api_retry";
      attempt: number;
      maxRetries: number;
      retryDelayMs: number;
      errorStatus: number | null;
      error: string;
    }
  | {
      kind: "subagent";
      phase: SubagentPhase;
      taskId: string;
      toolUseId: string | null;
      description: string;
      status?: string;
    }
  | {
      kind: "result";
      /** Whether the run failed. Read this, not `subtype`: an API error ends with subtype `success`. */
      isError: boolean;
      subtype: string;
      /** The whole final text (empty for error subtypes that carry none); not capped. */
      text: string;
      numTurns: number;
      totalCostUsd: number;
      /** Main thread only; `totalCostUsd` also covers built-in sub-agents. */
      usage: TokenUsage;
      /** HTTP status of the model API error that ended the run, if one did. */
      apiErrorStatus: number | null;
      errors: string[];
      permissionDenials: number;
      sessionId: string;
    }
  | { kind: "other"; type: string; subtype?: string }
  | { kind: "unparseable"; preview: string };
