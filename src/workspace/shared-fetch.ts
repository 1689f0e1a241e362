// Agents that start together on one host all ask for the same mirror fetch. Each caller needs
// a fetch that began after it asked (so it sees what was pushed before), but callers that ask
// while a fetch runs can all share the next one: a burst of N agents costs two fetches, not N
// fetches queued one behind another on the mirror's lock.

interface FetchSlot {
  running: Promise<void> | undefined;
  next: Promise<void> | undefined;
}

const slots = new Map<string, FetchSlot>();

/** Runs `fetch` for `key`, or joins a fetch of that key that starts after this call. */
export function sharedFetch(key: string, fetch: () => Promise<void>): Promise<void> {
  let slot = slots.get(key);
  if (slot === undefined) {
    slot = { running: undefined, next: undefined };
    slots.set(key, slot);
  }
  const current = slot;
  const start = (): Promise<void> => {
    const running = fetch().finally(() => {
      if (current.running === running) current.running = undefined;
      if (current.running === undefined && current.next === undefined) slots.delete(key);
    });
    current.running = running;
    return running;
  };
  if (current.running === undefined) return start();
  current.next ??= current.running
    .catch(() => undefined)
    .then(() => {
      current.next = undefined;
      return start();
    });
  return current.next;
}
