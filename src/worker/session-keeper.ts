// Keeps a new session of an agent before the model reads any of it. The gateway holds the agent's
// model calls until `untilSaved` resolves (gateway/agent-tokens.ts, `conversationKept`): a call
// the model read could otherwise be lost with the host before the first save, and the agent,
// started again, would make the model read its first prompt twice. With CLAUDE_CODE_EAGER_FLUSH
// (agent-environment.ts) the CLI writes its session file (the prompt) before its first model
// call leaves it, so the first poll finds it; without, 50–85 ms after (docs/cli-facts.md §9).

export interface SessionKeeperOptions {
  /** Saves the session; false while the CLI has not written it yet. */
  save(): Promise<boolean>;
  /** A save failed (a link in the agent's config dir, Redis away); it is tried again. */
  onError(error: unknown): void;
  /** The session was not saved in time: the held calls go ahead anyway (only durability is lost). */
  onGiveUp(): void;
  /** @defaultValue 10 */
  pollMs?: number;
  /** @defaultValue 10 000 */
  giveUpMs?: number;
  /** How long after a failed save the next is tried (a push refused is not retried at once). @defaultValue 1 000 */
  retryAfterErrorMs?: number;
}

export class SessionKeeper {
  private readonly options: SessionKeeperOptions;
  private saved = false;
  private stopped = false;
  private saving: Promise<boolean> | undefined;
  private waiting: Promise<void> | undefined;
  /** Before this time (ms since the epoch), after a failed save, none is tried. */
  private retryAt = 0;

  constructor(options: SessionKeeperOptions) {
    this.options = options;
  }

  /**
   * Saves the session unless it was saved already; true once it has been. One save at a time;
   * for a while after a failed one (which rejects), false without trying.
   */
  saveOnce(): Promise<boolean> {
    if (this.saved) return Promise.resolve(true);
    if (this.saving === undefined && Date.now() < this.retryAt) return Promise.resolve(false);
    this.saving ??= this.options
      .save()
      .then(
        (saved) => {
          this.saved ||= saved;
          return this.saved;
        },
        (error: unknown) => {
          this.retryAt = Date.now() + (this.options.retryAfterErrorMs ?? 1_000);
          throw error;
        },
      )
      .finally(() => {
        this.saving = undefined;
      });
    return this.saving;
  }

  /** Resolves once the session is saved, or once it is given up on, or the keeper stopped. Never rejects. */
  untilSaved(): Promise<void> {
    this.waiting ??= this.pollUntilSaved();
    return this.waiting;
  }

  /** The agent's process has ended: nothing waits any more. */
  stop(): void {
    this.stopped = true;
  }

  private async pollUntilSaved(): Promise<void> {
    const pollMs = this.options.pollMs ?? 10;
    const deadline = Date.now() + (this.options.giveUpMs ?? 10_000);
    while (!this.stopped) {
      try {
        if (await this.saveOnce()) return;
      } catch (error) {
        this.options.onError(error);
      }
      if (Date.now() >= deadline) {
        this.options.onGiveUp();
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }
}
