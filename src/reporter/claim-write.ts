// A write claims its rate-limit slot right before the request that creates or changes content,
// after any lookups (reads do not count against GitHub's content limits), so the time the
// limiter counts is as close as possible to the time GitHub counts.

/** Claims a slot for one content write, or throws WriteThrottledError. */
export type ClaimWrite = () => Promise<void>;

export class WriteThrottledError extends Error {
  readonly waitMs: number;

  constructor(waitMs: number) {
    super(`GitHub write postponed ${waitMs} ms to stay under the installation's rate limit`);
    this.name = "WriteThrottledError";
    this.waitMs = waitMs;
  }
}
