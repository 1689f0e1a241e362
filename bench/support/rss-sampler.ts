// Highest resident set size seen while something runs. A timer samples it, and so can the code
// under test (`sample()`), since a long synchronous step (parsing a multi-MB line) delays timers
// exactly when memory peaks.

export interface RssSampler {
  sample(): void;
  /** Stops sampling; returns the peak in bytes. */
  stop(): number;
}

export function sampleRss(intervalMs = 10): RssSampler {
  let peak = process.memoryUsage.rss();
  const sample = (): void => {
    peak = Math.max(peak, process.memoryUsage.rss());
  };
  const timer = setInterval(sample, intervalMs);
  return {
    sample,
    stop: () => {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}
