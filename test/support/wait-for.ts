// Polls until a condition holds (returns a value other than undefined/false), for tests that
// watch real processes. Fails with what it was waiting for.

export interface WaitOptions {
  /** @defaultValue 30_000 */
  timeoutMs?: number;
  /** @defaultValue 100 */
  intervalMs?: number;
  what: string;
  /** Adds the state of things to the timeout message. */
  describe?: () => Promise<string> | string;
}

export async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  options: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
  const state = options.describe === undefined ? "" : `; state: ${await options.describe()}`;
  throw new Error(
    `Timed out waiting for ${options.what}${lastError === undefined ? "" : ` (last error: ${String(lastError)})`}${state}`,
  );
}
