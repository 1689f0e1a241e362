// When a running agent's work is checkpointed: its session is saved first, as soon as the CLI has
// written it (polled here; the gateway's hold on the agent's first model call has it saved
// sooner, see session-keeper.ts), then the work is committed and pushed every interval. The
// first save comes before the model has answered this process anything, so no tool of it has run
// yet and there is nothing of its own to push with it. One checkpoint at a time; a failed one is
// reported and tried again at the next turn.

export interface CheckpointSchedule {
  /** Saves the session; false while the CLI has not written it yet. */
  saveSession(): Promise<boolean>;
  /** Saves the session, then commits and pushes the worktree. */
  checkpoint(): Promise<void>;
  intervalMs: number;
  /** @defaultValue 100 */
  pollMs?: number;
  onError(error: unknown): void;
}

/**
 * Starts the schedule; the function returned stops it and resolves once a checkpoint still under
 * way has ended, so that nothing else commits or pushes the agent's branch at the same time.
 */
export function scheduleCheckpoints(schedule: CheckpointSchedule): () => Promise<void> {
  const pollMs = schedule.pollMs ?? 100;
  let stopped = false;
  let written = false;
  let timer: NodeJS.Timeout | undefined;
  let underWay: Promise<void> = Promise.resolve();
  const next = (delayMs: number) => {
    if (!stopped) timer = setTimeout(() => (underWay = turn()), delayMs);
  };
  const turn = async () => {
    try {
      if (!written) written = await schedule.saveSession();
      else if (!stopped) await schedule.checkpoint();
    } catch (error) {
      schedule.onError(error);
    }
    next(written ? schedule.intervalMs : pollMs);
  };
  next(pollMs);
  return () => {
    stopped = true;
    clearTimeout(timer);
    return underWay;
  };
}
