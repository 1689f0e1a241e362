// Turns a running agent's stream events into what its record shows while it runs: session,
// current step, recent tool calls. Nothing that counts is taken from the stream (an agent can
// write lines into it): turns and spend are the gateway's, the outcome is the worker's. Writes
// are coalesced (at most one a second) because a busy agent emits many events; the session start
// is written at once, since a crash right after must find it. Each event also goes to the
// agent's live tail (its page), when a publisher is given.
import type { AgentStreamEvent } from "../agent/stream-events.ts";
import type { AgentUpdate, RunStore } from "../store/run-store.ts";
import type { LiveEventPublisher } from "./live-event-publisher.ts";

const recentToolCount = 6;
const flushIntervalMs = 1_000;
const maxInProcessSubagents = 20;

export interface ProgressRecorderOptions {
  store: RunStore;
  agentId: string;
  /** Called after each flushed change, to tell the reporter. */
  onFlushed: () => void;
  onWriteError: (error: unknown) => void;
  /** Publishes each event to the agent's live tail (bounded and coalesced on its own). */
  live?: LiveEventPublisher | undefined;
}

export class ProgressRecorder {
  private readonly options: ProgressRecorderOptions;
  private pending: AgentUpdate = {};
  private recentTools: string[];
  /** Built-in sub-agents of this invocation, by task id, in the order they started. */
  private readonly inProcessSubagents = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private writes: Promise<void> = Promise.resolve();
  sessionConfirmed = false;

  constructor(options: ProgressRecorderOptions, recentTools: readonly string[]) {
    this.options = options;
    this.recentTools = [...recentTools];
  }

  record(event: AgentStreamEvent): void {
    this.options.live?.record(event);
    switch (event.kind) {
      case "init":
        this.sessionConfirmed = true;
        this.enqueueWrite({ sessionStarted: true, lastActivityAt: Date.now() });
        return;
      case "tool_call": {
        const label = `${event.parentToolUseId === null ? "" : "(sub-agent) "}${event.name}: ${event.inputSummary}`;
        this.recentTools = [...this.recentTools, label].slice(-recentToolCount);
        this.merge({ recentTools: this.recentTools, currentStep: `running ${label}` });
        return;
      }
      case "assistant_text":
        if (event.parentToolUseId === null) this.merge({ currentStep: `thinking: ${event.text}` });
        return;
      case "subagent": {
        const status = event.phase === "finished" ? (event.status ?? "finished") : "running";
        this.inProcessSubagents.set(event.taskId, `${event.description}: ${status}`);
        this.merge({
          currentStep: `built-in sub-agent ${event.phase}: ${event.description}`,
          inProcessSubagents: [...this.inProcessSubagents.values()].slice(-maxInProcessSubagents),
        });
        return;
      }
      case "api_retry":
        this.merge({
          currentStep: `model API busy (${event.errorStatus ?? event.error}): retry ${event.attempt} of ${event.maxRetries} in ${Math.round(event.retryDelayMs / 1000)} s`,
        });
        return;
      case "usage":
      case "result":
        // Activity only: spend and turns are the gateway's, and the outcome is not read here.
        this.merge({});
        return;
      default:
        return;
    }
  }

  /** Writes whatever is pending and waits for all writes. */
  async flush(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.writePending();
    await Promise.all([this.writes, this.options.live?.flush()]);
  }

  private merge(update: AgentUpdate): void {
    this.pending = { ...this.pending, ...update, lastActivityAt: Date.now() };
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.writePending();
    }, flushIntervalMs);
  }

  private writePending(): void {
    const update = this.pending;
    this.pending = {};
    if (Object.keys(update).length === 0) return;
    this.enqueueWrite(update);
  }

  private enqueueWrite(update: AgentUpdate): void {
    const { store, agentId } = this.options;
    this.writes = this.writes
      .then(async () => {
        await store.updateAgent(agentId, update);
        this.options.onFlushed();
      })
      .catch(this.options.onWriteError);
  }
}
