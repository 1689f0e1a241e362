// Each agent's recent activity as a capped Redis stream (about the last 1000 events), written by
// the worker that runs it and read by any web process for the agent page's live tail. Events are
// short display lines (tool calls are already one-line summaries), never whole outputs.
import type { Redis } from "ioredis";
import type { KeySpace } from "./keys.ts";

const liveEventKinds = [
  "session",
  "text",
  "tool",
  "result_ok",
  "result_error",
  "retry",
  "subagent",
  "end",
  "note",
] as const;
type LiveEventKind = (typeof liveEventKinds)[number];

export interface LiveEvent {
  kind: LiveEventKind;
  text: string;
  /** Epoch milliseconds. */
  at: number;
}

/** An event as read back, with its stream id (for SSE `id:` and resuming). */
export interface StoredLiveEvent extends LiveEvent {
  id: string;
}

export interface AgentEventLogOptions {
  /** @defaultValue 1000 */
  maxLength?: number;
  /** The stream goes this long after its last event. @defaultValue 7 days */
  retentionMs?: number;
}

export class AgentEventLog {
  private readonly redis: Redis;
  private readonly keys: KeySpace;
  private readonly maxLength: number;
  private readonly retentionMs: number;

  constructor(redis: Redis, keys: KeySpace, options: AgentEventLogOptions = {}) {
    this.redis = redis;
    this.keys = keys;
    this.maxLength = options.maxLength ?? 1000;
    this.retentionMs = options.retentionMs ?? 7 * 86_400_000;
  }

  async append(agentId: string, events: readonly LiveEvent[]): Promise<void> {
    if (events.length === 0) return;
    const key = this.keys.agentEvents(agentId);
    const pipeline = this.redis.pipeline();
    for (const event of events) {
      // `~` lets Redis trim whole nodes: cheap, and the stream stays close to the cap.
      pipeline.xadd(
        key,
        "MAXLEN",
        "~",
        this.maxLength,
        "*",
        "k",
        event.kind,
        "t",
        event.text,
        "at",
        event.at,
      );
    }
    pipeline.pexpire(key, this.retentionMs);
    await pipeline.exec();
  }

  /** The newest `count` events, oldest first. */
  async recent(agentId: string, count: number): Promise<StoredLiveEvent[]> {
    const entries = await this.redis.xrevrange(this.keys.agentEvents(agentId), "+", "-", "COUNT", count);
    return entries.map(toStoredEvent).reverse();
  }

  /**
   * Events after `afterId`, waiting up to `blockMs` for one to arrive. Blocks its connection:
   * give it one of its own.
   */
  async readAfter(
    connection: Redis,
    agentId: string,
    afterId: string,
    blockMs: number,
  ): Promise<StoredLiveEvent[]> {
    const reply = await connection.xread(
      "COUNT",
      200,
      "BLOCK",
      blockMs,
      "STREAMS",
      this.keys.agentEvents(agentId),
      afterId,
    );
    return (reply?.[0]?.[1] ?? []).map(toStoredEvent);
  }
}

function isLiveEventKind(kind: string): kind is LiveEventKind {
  return liveEventKinds.some((known) => known === kind);
}

function toStoredEvent([id, fields]: [string, string[]]): StoredLiveEvent {
  const values = new Map<string, string>();
  for (let index = 0; index + 1 < fields.length; index += 2)
    values.set(fields[index] ?? "", fields[index + 1] ?? "");
  const kind = values.get("k") ?? "note";
  return {
    id,
    kind: isLiveEventKind(kind) ? kind : "note",
    text: values.get("t") ?? "",
    at: Number(values.get("at") ?? 0),
  };
}
