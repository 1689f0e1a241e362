// The reporter turns record changes into GitHub writes. Changes only mark targets dirty (in
// Redis); a loop in every Flotilla process writes due targets from the latest records, so
// updates to one object coalesce, writes stay under the installation's rate limits, failed
// writes are retried with backoff, and the final state of everything is always written.
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { GitHubClient } from "../github/github-app.ts";
import type { RunStore } from "../store/run-store.ts";
import type { DirtyTargets } from "./dirty-targets.ts";
import { parseTargetKey, type ReportTarget, targetKey } from "./report-targets.ts";
import type { WriteLimiter } from "./write-limiter.ts";
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
  onWrite?: (outcome: WriteOutcome) => void;
}

export type WriteOutcome = "written" | "throttled" | "retry" | "dropped";

const lockTtlMs = 60_000;
const maxBackoffMs = 60_000;

export class Reporter {
  private readonly options: ReporterOptions;
  private readonly owner = randomUUID();
  private readonly attempts = new Map<string, number>();
  private readonly inFlight = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();

  constructor(options: ReporterOptions) {
    this.options = options;
  }

  /** Marks targets as changed. Urgent changes (new objects, final states) skip the coalescing wait. */
  async changed(targets: readonly ReportTarget[], options: { urgent?: boolean } = {}): Promise<void> {
    await this.options.dirty.mark(targets.map(targetKey), options.urgent === true);
  }

  /** Writes the targets now if the rate limit allows; otherwise the loop writes them later. */
  async flushNow(targets: readonly ReportTarget[]): Promise<void> {
    for (const target of targets) await this.writeOne(targetKey(target));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const tick = async () => {
      if (!this.running) return;
      this.loopDone = this.writeDue().catch((error: unknown) => {
        this.options.log.error({ err: error }, "reporter loop failed; retrying");
      });
      await this.loopDone;
      if (this.running) this.timer = setTimeout(tick, this.options.pollIntervalMs ?? 250);
    };
    this.timer = setTimeout(tick, 0);
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

  private async writeDue(): Promise<void> {
    const concurrency = this.options.concurrency ?? 8;
    const due = (await this.options.dirty.due(concurrency * 4)).filter((key) => !this.inFlight.has(key));
    const queue = [...due];
    const workers = Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
      for (let key = queue.shift(); key !== undefined; key = queue.shift()) await this.writeOne(key);
    });
    await Promise.all(workers);
  }

  private async writeOne(key: string): Promise<WriteOutcome | undefined> {
    const { dirty, limiter, log } = this.options;
    const target = parseTargetKey(key);
    if (target === undefined || this.inFlight.has(key)) return undefined;
    if (!(await dirty.lock(key, this.owner, lockTtlMs))) return undefined;
    this.inFlight.add(key);
    let outcome: WriteOutcome;
    try {
      const version = await dirty.version(key);
      const write = await prepareWrite(this.options.store, target, this.options.links);
      if (write === undefined) {
        await dirty.complete(key, version);
        return undefined;
      }
      const waitMs = await limiter.tryAcquire(write.installationId, write.priority);
      if (waitMs > 0) {
        await dirty.postpone(key, waitMs);
        outcome = "throttled";
      } else {
        try {
          const client = await this.options.clientFor(write.installationId);
          const effect = await write.perform(client);
          this.attempts.delete(key);
          await dirty.complete(key, version);
          if (effect.alsoDirty.length > 0) await this.changed(effect.alsoDirty, { urgent: true });
          outcome = "written";
        } catch (error) {
          outcome = await this.handleFailure(key, write.installationId, error);
        }
      }
    } catch (error) {
      log.error({ err: error, target: key }, "could not prepare a GitHub write; will retry");
      await dirty.postpone(key, this.nextBackoff(key));
      outcome = "retry";
    } finally {
      this.inFlight.delete(key);
      await dirty.unlock(key, this.owner);
    }
    this.options.onWrite?.(outcome);
    return outcome;
  }

  private async handleFailure(key: string, installationId: number, error: unknown): Promise<WriteOutcome> {
    const { dirty, limiter, log } = this.options;
    const status = (error as { status?: number }).status;
    const message = String((error as { message?: string }).message ?? error);
    const headers = (error as { response?: { headers?: Record<string, string> } }).response?.headers ?? {};
    if (status === 429 || (status === 403 && /rate limit/i.test(message))) {
      const retryAfterMs = Number(headers["retry-after"] ?? 60) * 1000;
      log.warn({ target: key, installationId, retryAfterMs }, "GitHub rate limit hit; pausing writes");
      await limiter.pause(installationId, retryAfterMs);
      await dirty.postpone(key, retryAfterMs);
      return "throttled";
    }
    if (status === undefined || status >= 500) {
      const delayMs = this.nextBackoff(key);
      log.warn({ target: key, status, delayMs, err: error }, "GitHub write failed; retrying with backoff");
      await dirty.postpone(key, delayMs);
      return "retry";
    }
    log.error({ target: key, status, err: error }, "GitHub refused a write; dropping this version");
    await dirty.complete(key, await dirty.version(key));
    return "dropped";
  }

  private nextBackoff(key: string): number {
    const attempt = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, attempt);
    return Math.min(maxBackoffMs, 500 * 2 ** (attempt - 1)) * (0.75 + Math.random() * 0.5);
  }
}
