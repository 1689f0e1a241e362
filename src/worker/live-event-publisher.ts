// Publishes a running agent's live events to its Redis stream, a few times a second in one round
// trip, so a chatty agent costs Redis little. One write is in flight at a time and at most
// `maxPending` events wait for it; beyond that the oldest are dropped and a note says how many,
// so memory stays bounded when Redis is slow.
import type { AgentStreamEvent } from "../agent/stream-events.ts";
import type { AgentEventLog, LiveEvent } from "../store/agent-event-log.ts";
import { liveEventOf } from "./live-events.ts";

export interface LiveEventPublisherOptions {
  log: AgentEventLog;
  agentId: string;
  /** @defaultValue 250 */
  flushIntervalMs?: number;
  /** @defaultValue 200 */
  maxPending?: number;
  onError: (error: unknown) => void;
}

export class LiveEventPublisher {
  private readonly options: LiveEventPublisherOptions;
  private pending: LiveEvent[] = [];
  private skipped = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;

  constructor(options: LiveEventPublisherOptions) {
    this.options = options;
  }

  record(event: AgentStreamEvent): void {
    const live = liveEventOf(event);
    if (live !== undefined) this.add(live);
  }

  add(event: LiveEvent): void {
    this.pending.push(event);
    const maxPending = this.options.maxPending ?? 200;
    if (this.pending.length > maxPending) {
      this.skipped += this.pending.length - maxPending;
      this.pending = this.pending.slice(-maxPending);
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.writePending();
    }, this.options.flushIntervalMs ?? 250);
  }

  /** Writes what is pending and waits for every write. */
  async flush(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    for (this.writePending(); this.inFlight !== undefined; this.writePending()) await this.inFlight;
  }

  private writePending(): void {
    if (this.inFlight !== undefined || this.pending.length === 0) return;
    const batch = this.pending;
    if (this.skipped > 0) {
      batch.unshift({
        kind: "note",
        text: `… ${this.skipped} events skipped (too many at once)`,
        at: Date.now(),
      });
      this.skipped = 0;
    }
    this.pending = [];
    const { log, agentId } = this.options;
    this.inFlight = log
      .append(agentId, batch)
      .catch(this.options.onError)
      .finally(() => {
        this.inFlight = undefined;
      });
    // Whatever arrived during this write goes with the next one.
    void this.inFlight.then(() => this.writePending());
  }
}
