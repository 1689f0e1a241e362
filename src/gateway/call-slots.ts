// How many model calls of one agent the gateway forwards at once. More wait, first come first
// served, for a call to end; a waiting call whose client goes away leaves the line. Reservations
// alone keep spending within the budget; this keeps one agent from flooding upstream with calls
// (each reservation also shrinks what the others may answer).

export class CallSlots {
  private readonly limit: number;
  private inUse = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(limit: number) {
    this.limit = Math.max(1, Math.floor(limit));
  }

  /** Waits for a slot; resolves with its release, or rejects when `signal` aborts first. */
  acquire(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.inUse < this.limit) return Promise.resolve(this.take());
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const index = this.waiting.indexOf(grant);
        if (index !== -1) this.waiting.splice(index, 1);
        reject(signal.reason);
      };
      const grant = () => {
        signal.removeEventListener("abort", onAbort);
        resolve(this.take());
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.waiting.push(grant);
    });
  }

  private take(): () => void {
    this.inUse += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inUse -= 1;
      this.waiting.shift()?.();
    };
  }
}
