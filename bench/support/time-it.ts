// Wall-clock time of one awaited step, in milliseconds, with its result.

export async function timeIt<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const startedAt = performance.now();
  const value = await work();
  return { ms: performance.now() - startedAt, value };
}
