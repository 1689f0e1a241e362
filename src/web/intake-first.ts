// Answering GitHub comes before working through stored deliveries. Both share one event loop
// in the web process: in a burst, handlers that run as fast as deliveries arrive keep the loop
// (and the cores) busy, and every new delivery then waits behind them for its answer, which
// GitHub wants within 10 s and Flotilla gives in milliseconds. So while the loop is busy, the
// consumer holds each stored delivery before handling it, and the loop's spare time goes to the
// intake; the backlog is worked off as soon as the burst eases (it is durable, and its age is on
// /metrics and /readyz). A delivery is never held longer than `maxHoldMs`, so a loop that stays
// busy for another reason still gets its deliveries handled, at a trickle.
import { type EventLoopUtilization, performance } from "node:perf_hooks";

export interface IntakeFirstOptions {
  /** Share of the last sample window the loop spent running code, above which it counts as busy. */
  busyAbove: number;
  /** How often the loop's utilization is sampled. */
  sampleMs: number;
  /** The longest a delivery is held while the loop stays busy (counted in samples). */
  maxHoldMs: number;
}

const intakeFirstDefaults: IntakeFirstOptions = { busyAbove: 0.5, sampleMs: 100, maxHoldMs: 2_000 };

interface Held {
  release: () => void;
  heldMs: number;
}

/** Decides from samples of the loop's utilization when a stored delivery may be handled. */
export class IntakeFirstGate {
  private busy = false;
  private readonly held = new Set<Held>();
  private readonly options: IntakeFirstOptions;

  constructor(options: IntakeFirstOptions) {
    this.options = options;
  }

  /** Resolves at once while the loop is not busy; otherwise when it is not, or after maxHoldMs. */
  admit(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => {
      this.held.add({ release: resolve, heldMs: 0 });
    });
  }

  /** One sample: the loop's utilization over the last `sampleMs`. */
  observe(utilization: number): void {
    this.busy = utilization > this.options.busyAbove;
    for (const entry of this.held) {
      entry.heldMs += this.options.sampleMs;
      if (this.busy && entry.heldMs < this.options.maxHoldMs) continue;
      this.held.delete(entry);
      entry.release();
    }
  }

  /** Deliveries held right now. */
  get holding(): number {
    return this.held.size;
  }

  /** Lets every held delivery go (at shutdown, so the consumer can finish what it has). */
  releaseAll(): void {
    this.busy = false;
    for (const entry of this.held) entry.release();
    this.held.clear();
  }
}

/** A gate fed by this process's event-loop utilization every `sampleMs`; stop() ends the sampling. */
export function watchEventLoop(options: IntakeFirstOptions = intakeFirstDefaults): {
  gate: IntakeFirstGate;
  stop: () => void;
} {
  const gate = new IntakeFirstGate(options);
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    gate.observe(performance.eventLoopUtilization(now, last).utilization);
    last = now;
  }, options.sampleMs);
  // Sampling alone must not keep a stopping process alive.
  timer.unref();
  return {
    gate,
    stop: () => {
      clearInterval(timer);
      gate.releaseAll();
    },
  };
}
