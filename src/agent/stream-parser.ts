// Turns lines of `claude -p --output-format stream-json --verbose` into AgentStreamEvents.
// Stateful per run: it remembers which message ids it has seen (usage once per message) and the
// sub-agent tasks still open. It never throws, whatever the line holds.

import { oneLine } from "../text/one-line.ts";
import { truncate } from "../text/truncate.ts";
import type { SplitLine } from "./line-splitter.ts";
import type { AgentStreamEvent, McpServerStatus, SubagentPhase } from "./stream-events.ts";
import {
  arrayOf,
  contentPreview,
  isRecord,
  type JsonRecord,
  nullableNumberOf,
  nullableStringOf,
  numberOf,
  recordOf,
  stringOf,
  summarizeToolInput,
  usageOf,
} from "./stream-fields.ts";

export interface StreamParserOptions {
  /** Longest `assistant_text.text` and `result.errors[]` entry, in characters. @defaultValue 2000 */
  maxTextChars?: number;
  /** Longest `tool_result.preview`, in characters. @defaultValue 1000 */
  maxPreviewChars?: number;
  /** Longest one-line field: `tool_call.inputSummary`, ids, names, descriptions. @defaultValue 200 */
  maxSummaryChars?: number;
}

/** The CLI's own stand-in for a model answer (API errors): not a model call, so no usage. */
const syntheticModel = "<synthetic>";
const maxListEntries = 500;
/** Tasks remembered at once; a run that starts more (never finishing them) just loses labels. */
const maxOpenTasks = 1000;

interface OpenTask {
  toolUseId: string | null;
  description: string;
}

export class StreamParser {
  private readonly seenMessageIds = new Set<string>();
  private readonly openTasks = new Map<string, OpenTask>();
  private readonly maxTextChars: number;
  private readonly maxPreviewChars: number;
  private readonly maxSummaryChars: number;

  constructor(options: StreamParserOptions = {}) {
    this.maxTextChars = options.maxTextChars ?? 2000;
    this.maxPreviewChars = options.maxPreviewChars ?? 1000;
    this.maxSummaryChars = options.maxSummaryChars ?? 200;
  }

  /**
   * Events of one line, in the order the line holds them. A blank line gives none; any other
   * line gives at least one (`other` when nothing in it is of interest), so every line counts
   * as activity. A line the splitter truncated gives `unparseable` with its start.
   */
  parse(line: SplitLine): AgentStreamEvent[] {
    if (typeof line !== "string") {
      const preview = `[line of ${line.bytes} bytes, too long to read] ${line.prefix}`;
      return [{ kind: "unparseable", preview: this.short(preview) }];
    }
    if (line.trim() === "") return [];
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return [{ kind: "unparseable", preview: this.short(line) }];
    }
    if (!isRecord(value) || typeof value.type !== "string") {
      return [{ kind: "unparseable", preview: this.short(line) }];
    }
    try {
      return this.parseObject(value);
    } catch {
      // Unreachable by design (every field is read defensively); kept so a parser bug cannot
      // take a run down with it.
      return [{ kind: "unparseable", preview: this.short(line) }];
    }
  }

  private parseObject(line: JsonRecord): AgentStreamEvent[] {
    const type = stringOf(line.type);
    const subtype = typeof line.subtype === "string" ? line.subtype : undefined;
    const events =
      type === "assistant"
        ? this.assistant(line)
        : type === "user"
          ? this.user(line)
          : type === "result"
            ? [this.result(line)]
            : type === "system"
              ? this.system(line, subtype)
              : [];
    if (events.length > 0) return events;
    const other: AgentStreamEvent = { kind: "other", type: this.short(type) };
    if (subtype !== undefined) other.subtype = this.short(subtype);
    return [other];
  }

  private assistant(line: JsonRecord): AgentStreamEvent[] {
    const message = recordOf(line.message);
    const messageId = this.short(stringOf(message.id));
    const model = this.short(stringOf(message.model));
    const parentToolUseId = this.parentOf(line);
    const events: AgentStreamEvent[] = [];
    if (messageId !== "" && model !== syntheticModel && !this.seenMessageIds.has(messageId)) {
      this.seenMessageIds.add(messageId);
      events.push({ kind: "usage", messageId, model, usage: usageOf(message.usage), parentToolUseId });
    }
    for (const item of arrayOf(message.content)) {
      const block = recordOf(item);
      if (block.type === "text" && typeof block.text === "string" && block.text !== "") {
        const text = truncate(block.text, this.maxTextChars);
        events.push({ kind: "assistant_text", text, messageId, parentToolUseId });
      } else if (block.type === "tool_use") {
        const name = this.short(stringOf(block.name));
        events.push({
          kind: "tool_call",
          toolUseId: this.short(stringOf(block.id)),
          name,
          inputSummary: summarizeToolInput(name, block.input, this.maxSummaryChars),
          input: block.input,
          messageId,
          parentToolUseId,
        });
      }
    }
    return events;
  }

  private user(line: JsonRecord): AgentStreamEvent[] {
    const parentToolUseId = this.parentOf(line);
    const events: AgentStreamEvent[] = [];
    for (const item of arrayOf(recordOf(line.message).content)) {
      const block = recordOf(item);
      if (block.type !== "tool_result") continue;
      events.push({
        kind: "tool_result",
        toolUseId: this.short(stringOf(block.tool_use_id)),
        isError: block.is_error === true,
        preview: contentPreview(block.content, this.maxPreviewChars),
        parentToolUseId,
      });
    }
    return events;
  }

  private result(line: JsonRecord): AgentStreamEvent {
    const subtype = this.short(stringOf(line.subtype));
    const errors = arrayOf(line.errors)
      .filter((error): error is string => typeof error === "string")
      .slice(0, 20)
      .map((error) => truncate(error, this.maxTextChars));
    return {
      kind: "result",
      isError: typeof line.is_error === "boolean" ? line.is_error : subtype !== "success",
      subtype,
      text: stringOf(line.result),
      numTurns: numberOf(line.num_turns),
      totalCostUsd: numberOf(line.total_cost_usd),
      usage: usageOf(line.usage),
      apiErrorStatus: nullableNumberOf(line.api_error_status),
      errors,
      permissionDenials: arrayOf(line.permission_denials).length,
      sessionId: this.short(stringOf(line.session_id)),
    };
  }

  private system(line: JsonRecord, subtype: string | undefined): AgentStreamEvent[] {
    if (subtype === "init") return [this.init(line)];
    if (subtype === "api_retry") {
      return [
        {
          kind: "api_retry",
          attempt: numberOf(line.attempt),
          maxRetries: numberOf(line.max_retries),
          retryDelayMs: Math.round(numberOf(line.retry_delay_ms)),
          errorStatus: nullableNumberOf(line.error_status),
          error: this.short(stringOf(line.error)),
        },
      ];
    }
    if (subtype === "task_started") return [this.task(line, "started")];
    if (subtype === "task_progress" || subtype === "task_updated") return [this.task(line, "progress")];
    if (subtype === "task_notification") return [this.task(line, "finished")];
    return [];
  }

  private init(line: JsonRecord): AgentStreamEvent {
    const mcpServers: McpServerStatus[] = arrayOf(line.mcp_servers)
      .slice(0, maxListEntries)
      .map((server) => recordOf(server))
      .map((server) => ({
        name: this.short(stringOf(server.name)),
        status: this.short(stringOf(server.status)),
      }));
    return {
      kind: "init",
      sessionId: this.short(stringOf(line.session_id)),
      model: this.short(stringOf(line.model)),
      tools: arrayOf(line.tools)
        .filter((tool): tool is string => typeof tool === "string")
        .slice(0, maxListEntries)
        .map((tool) => this.short(tool)),
      mcpServers,
      cwd: truncate(stringOf(line.cwd), this.maxTextChars),
    };
  }

  /**
   * A built-in sub-agent's lifecycle line. `task_updated` lines carry neither the tool use id nor
   * a description, so both are remembered from `task_started`; `status` comes from
   * `task_notification` (`completed`, …) or a `task_updated` patch.
   */
  private task(line: JsonRecord, phase: SubagentPhase): AgentStreamEvent {
    const taskId = this.short(stringOf(line.task_id));
    const known = this.openTasks.get(taskId);
    const toolUseId = nullableStringOf(line.tool_use_id);
    const ownDescription = phase === "finished" ? line.summary : line.description;
    const description = oneLine(stringOf(ownDescription, known?.description ?? ""), this.maxSummaryChars);
    const status = stringOf(line.status, stringOf(recordOf(line.patch).status));
    const event: AgentStreamEvent = {
      kind: "subagent",
      phase,
      taskId,
      toolUseId: toolUseId === null ? (known?.toolUseId ?? null) : this.short(toolUseId),
      description,
    };
    if (status !== "") event.status = this.short(status);
    if (phase === "started" && this.openTasks.size < maxOpenTasks)
      this.openTasks.set(taskId, { toolUseId: event.toolUseId, description });
    if (phase === "finished") this.openTasks.delete(taskId);
    return event;
  }

  private parentOf(line: JsonRecord): string | null {
    const parent = nullableStringOf(line.parent_tool_use_id);
    return parent === null ? null : this.short(parent);
  }

  private short(text: string): string {
    return oneLine(text, this.maxSummaryChars);
  }
}
