// The reporter turns record changes into GitHub writes: every GitHub write Flotilla makes goes
// through it. Changes only mark targets dirty (in Redis); a loop in every Flotilla process writes
// due targets from the latest records, so updates to one object coalesce, writes stay under the
// installation's rate limits, failed writes are retried with backoff, and the final state of
// everything is always written.
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { GitHubClient } from "../github/github-app.ts";
import { isRedisConnectionError } from "../redis/redis-outage.ts";
import type { RunStore } from "../store/run-store.ts";
import { type ClaimWrite, WriteThrottledError } from "./claim-write.ts";
import { classifyWriteFailure } from "./classify-write-failure.ts";
import type { DirtyTargets } from "./dirty-targets.ts";
import { InstallationHolds } from "./installation-holds.ts";
import { Outbox, type ReactionRequest, type ReplyRequest } from "./outbox.ts";
import type { PreparedWrite } from "./prepared-write.ts";
import {
  parseTargetKey,
  type ReportTarget,
  type ReportTargetKind,
  targetKey,
  targetLogFields,
} from "./report-targets.ts";
import type { WriteLimiter, WriteSlot } from "./write-limiter.ts";
import { type Links, prepareWrite } from "./write-target.ts";

export interface ReporterOptions {
  store: RunStore;
  dirty: DirtyTargets;
  limiter: WriteLimiter;
  clientFor: (installationId: number) => Promise<GitHubClient>;
  links: Links;
  log: Logger;
  /** @defaultValue 250 */
  pollIntervalMs?: number;
  /** Targets written at once by this process. @defaultValue 8 */
  concurrency?: number;
  /** Told about every attempt, for metrics. */
  onWrite?: (outcome: WriteOutcome, target: ReportTargetKind) => void;
}

/**
 * `throttled`: held back by Flotilla's own limiter; `rate_limited`: GitHub said to slow down;
 * `retry`: GitHub or the network failed and the write will be retried; `dropped`: GitHub refused
 * this content for good.
 */
export type WriteOutcome = "written" | "throttled" | "rate_limited" | "retry" | "dropped";

const lockTtlMs = 60_000;
const maxBackoffMs = 60_000;
const unknownTargetDelayMs = 60_000;

export class Reporter {
  private readonly options: ReporterOptions;
  private readonly outbox: Outbox;
  private readonly holds: InstallationHolds;
  private readonly owner = randomUUID();
  private readonly attempts = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<WriteOutcome | undefined>>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private ticking = false;
  private wakeRequested = false;
  private loopDone: Promise<void> = Promise.resolve();

  constructor(options: ReporterOptions) {
    this.options = options;
    this.outbox = new Outbox(options.store.redis, options.store.keys);
    this.holds = new InstallationHolds(options.store);
  }

  /** Marks targets as changed. Urgent changes (new objects, final states) skip the coalescing wait. */
  async changed(targets: readonly ReportTarget[], options: { urgent?: boolean } = {}): Promise<void> {
    await this.options.dirty.mark(targets.map(targetKey), options.urgent === true);
    // Urgent changes are due now: write them now, not at the loop's next tick (up to a poll
    // interval later, on the path of every final check run).
    if (options.urgent === true) this.wake();
  }

  /** Writes the targets now if they are dirty and the rate limit allows; otherwise the loop writes them later. */
  async flushNow(targets: readonly ReportTarget[]): Promise<void> {
    for (const target of targets) {
      const key = targetKey(target);
      // A write of this target already under way here may predate the change: let it end first.
      await this.inFlight.get(key);
      await this.writeOnce(key);
    }
  }

  /** Posts the reply to a command comment (once per delivery); false when it already has one. */
  async reply(deliveryId: string, reply: ReplyRequest): Promise<boolean> {
    if (!(await this.outbox.addReply(deliveryId, reply))) return false;
    await this.changeAndFlush({ kind: "reply", deliveryId });
    return true;
  }

  /** Adds 👀 to a command comment (once per delivery). */
  async react(deliveryId: string, reaction: ReactionRequest): Promise<void> {
    if (await this.outbox.addReaction(deliveryId, reaction))
      await this.changeAndFlush({ kind: "reaction", deliveryId });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.loopDone;
  }

  /** For shutdown and tests: keeps writing until nothing is dirty or the time is up. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((await this.options.dirty.pendingCount()) === 0) return true;
      await this.writeDue();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return (await this.options.dirty.pendingCount()) === 0;
  }

  private schedule(delayMs: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), delayMs);
  }

  private async tick(): Promise<void> {
    if (!this.running) return;
    this.timer = undefined;
    this.ticking = true;
    this.wakeRequested = false;
    this.loopDone = this.writeDue().catch((error: unknown) => {
      // Redis being away is reported once for the whole process (redis/redis-outage.ts).
      if (!isRedisConnectionError(error))
        this.options.log.error({ err: error }, "reporter loop failed; retrying");
    });
    await this.loopDone;
    this.ticking = false;
    if (this.running) this.schedule(this.wakeRequested ? 0 : (this.options.pollIntervalMs ?? 250));
  }

  /** Runs the loop at once; wakes during a pass coalesce into one more pass right after it. */
  private wake(): void {
    if (!this.running) return;
    if (this.ticking) this.wakeRequested = true;
    else this.schedule(0);
  }

  private async changeAndFlush(target: ReportTarget): Promise<void> {
    await this.changed([target], { urgent: true });
    await this.flushNow([target]).catch((error: unknown) => {
      this.options.log.warn(
        { err: error, ...targetLogFields(target) },
        "could not write to GitHub yet; will retry",
      );
    });
  }

  private async writeDue(): Promise<void> {
    const concurrency = this.options.concurrency ?? 8;
    const due = (await this.options.dirty.due(concurrency * 4)).filter((key) => !this.inFlight.has(key));
    const queue = [...due];
    const workers = Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
      for (let key = queue.shift(); key !== undefined; key = queue.shift()) await this.writeOnce(key);
    });
    await Promise.all(workers);
  }

  /** One write of a target at a time in this process; the lock keeps other processes out. */
  private writeOnce(key: string): Promise<WriteOutcome | undefined> {
    const running = this.inFlight.get(key);
    if (running !== undefined) return running;
    const write = this.writeOne(key).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, write);
    return write;
  }

  private async writeOne(key: string): Promise<WriteOutcome | undefined> {
    const { dirty } = this.options;
    const target = parseTargetKey(key);
    if (target === undefined) {
      // Perhaps a newer Flotilla's target kind during a rolling upgrade: leave it to that version.
      await dirty.postpone(key, unknownTargetDelayMs);
      return undefined;
    }
    const heldMs = await this.holds.remainingMs(target);
    if (heldMs > 0) {
      // Spread over a poll interval, so the targets held together are not all prepared together.
      await dirty.postpone(key, heldMs + Math.random() * (this.options.pollIntervalMs ?? 250));
      this.options.onWrite?.("throttled", target.kind);
      return "throttled";
    }
    const log = this.options.log.child({ target: key, ...targetLogFields(target) });
    if (!(await dirty.lock(key, this.owner, lockTtlMs))) return undefined;
    let outcome: WriteOutcome | undefined;
    try {
      if (!(await dirty.isDirty(key))) return undefined;
      const version = await dirty.version(key);
      const write = await prepareWrite(
        { store: this.options.store, outbox: this.outbox, links: this.options.links },
        target,
      );
      if (write === undefined) {
        await dirty.complete(key, version);
        return undefined;
      }
      outcome = await this.perform(key, version, write, log);
    } catch (error) {
      log.error({ err: error }, "could not prepare a GitHub write; will retry");
      await dirty.postpone(key, this.nextBackoff(key));
      outcome = "retry";
    } finally {
      await dirty.unlock(key, this.owner);
    }
    this.options.onWrite?.(outcome, target.kind);
    return outcome;
  }

  private async perform(
    key: string,
    version: string,
    write: PreparedWrite,
    log: Logger,
  ): Promise<WriteOutcome> {
    const { limiter } = this.options;
    const claimed: WriteSlot[] = [];
    const claim: ClaimWrite = async () => {
      const slot = await limiter.tryAcquire(write.installationId, write.priority);
      if (typeof slot === "number") throw new WriteThrottledError(slot);
      claimed.push(slot);
    };
    try {
      return await this.performClaiming(key, version, write, claim, log);
    } finally {
      // Whatever became of the writes, GitHub has answered (or never will): they count from now.
      if (claimed.length > 0) {
        await limiter.settle(claimed).catch((error: unknown) => {
          log.warn(
            { err: error },
            "could not settle GitHub writes in the rate-limit log; they count a window longer",
          );
        });
      }
    }
  }

  private async performClaiming(
    key: string,
    version: string,
    write: PreparedWrite,
    claim: ClaimWrite,
    log: Logger,
  ): Promise<WriteOutcome> {
    const { dirty } = this.options;
    try {
      const client = await this.options.clientFor(write.installationId);
      const effect = await write.perform(client, claim);
      this.attempts.delete(key);
      await dirty.complete(key, version);
      if (effect.alsoDirty.length > 0) await this.changed(effect.alsoDirty, { urgent: effect.urgent });
      return "written";
    } catch (error) {
      if (error instanceof WriteThrottledError) {
        this.holds.held(write.installationId, write.priority, error.waitMs);
        await dirty.postpone(key, error.waitMs);
        return "throttled";
      }
      return this.handleFailure(key, version, write.installationId, error, log);
    }
  }

  private async handleFailure(
    key: string,
    version: string,
    installationId: number,
    error: unknown,
    log: Logger,
  ): Promise<WriteOutcome> {
    const { dirty, limiter } = this.options;
    const failure = classifyWriteFailure(error);
    switch (failure.kind) {
      case "rate-limited":
        log.warn(
          { installationId, retryAfterMs: failure.retryAfterMs, limit: failure.limit },
          "GitHub rate limit hit; pausing this installation's writes",
        );
        await limiter.pause(installationId, failure.retryAfterMs);
        this.holds.held(installationId, "final", failure.retryAfterMs);
        await dirty.postpone(key, failure.retryAfterMs);
        return "rate_limited";
      case "transient": {
        const delayMs = this.nextBackoff(key);
        log.warn(
          { status: failure.status, delayMs, err: error },
          "GitHub write failed; retrying with backoff",
        );
        await dirty.postpone(key, delayMs);
        return "retry";
      }
      case "refused":
        // Only this version is dropped: a change made since keeps the target dirty.
        log.error({ status: failure.status, err: error }, "GitHub refused a write; dropping this version");
        this.attempts.delete(key);
        await dirty.complete(key, version);
        return "dropped";
    }
  }

  private nextBackoff(key: string): number {
    const attempt = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, attempt);
    return Math.min(maxBackoffMs, 500 * 2 ** (attempt - 1)) * (0.75 + Math.random() * 0.5);
  }
}
