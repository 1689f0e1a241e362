// A small seeded pseudo-random generator (mulberry32), so that generated benchmark inputs are
// the same bytes on every run and every machine: figures from different runs stay comparable.

export interface SeededRandom {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  /** An element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** A log-normally distributed size, like file and message sizes are: most small, a few large. */
  logNormal(median: number, sigma: number): number;
}

export function seededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    pick: <T>(items: readonly T[]): T => items[int(0, items.length - 1)] as T,
    logNormal: (median, sigma) => {
      // Box–Muller: one standard normal sample.
      const normal = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
      return Math.round(median * Math.exp(sigma * normal));
    },
  };
}
