// The one place that counts an agent's model calls that hold a reservation in its budget or are
// asking the ledger for one, and that parks the calls refused only because of them until room is
// freed. A call is counted from before its first ask until it is settled or gives up, so a
// sibling's refusal never misses a call that is between its grant and its forwarding, or that holds
// a size-bound reservation while it counts its input. A waiting call holds nothing and asks
// nothing, so it is not counted: two waiters never wait for each other.

/** How a counted call stops being counted. */
type Departure =
  /** Its reservation was settled: room may be free, every waiter asks again. */
  | "settled"
  /** It holds nothing and freed nothing (refused, or stopped before it held anything). */
  | "gave_up";

/** One call's place in the count; every method is safe to call in any state. */
export interface ReservingCall {
  /** Taken right before asking the ledger; pass it to `waitForRoom` with the refusal. */
  mark(): number;
  /**
   * After a refusal that calls in flight may have caused (the ledger holds reservations): true to
   * ask again (at once when room was freed since `mark`, else once room is freed or no other call
   * is counted), false when no other call is counted, so nothing will free room: refuse. Rejects
   * when `signal` aborts while waiting; the call is then no longer counted.
   */
  waitForRoom(mark: number, signal: AbortSignal): Promise<boolean>;
  /** It gave back a reservation and goes on asking for another: waiters ask again. */
  gaveBack(): void;
  /** It stops being counted (see `Departure`); only the first call has an effect. */
  leave(departure: Departure): void;
}

export class ReservingCalls {
  private counted = 0;
  /** Bumped whenever room may have been freed; a refused call compares it with its mark. */
  private roomFreed = 0;
  private readonly waiters = new Set<() => void>();

  /** Calls counted now (holding a reservation or asking for one). */
  get countedCalls(): number {
    return this.counted;
  }

  /** Calls parked until room is freed. */
  get waitingCalls(): number {
    return this.waiters.size;
  }

  /** Counts a call that is about to ask for a reservation. */
  enter(): ReservingCall {
    this.counted += 1;
    let state: "counted" | "waiting" | "gone" = "counted";
    let unpark: (() => void) | undefined;
    return {
      mark: () => this.roomFreed,
      waitForRoom: (mark, signal) => {
        if (state !== "counted") return Promise.reject(new Error("this call is no longer counted"));
        if (this.roomFreed !== mark) return Promise.resolve(true);
        if (this.counted <= 1) return Promise.resolve(false);
        if (signal.aborted) return Promise.reject(signal.reason);
        // Decided and parked in one synchronous step: no freeing can fall in between.
        state = "waiting";
        this.counted -= 1;
        return new Promise((resolve, reject) => {
          const onAbort = () => {
            unpark?.();
            state = "gone";
            // Not counted while it waited: its going changes no count and wakes no one.
            reject(signal.reason);
          };
          const wake = () => {
            signal.removeEventListener("abort", onAbort);
            state = "counted";
            this.counted += 1;
            resolve(true);
          };
          this.waiters.add(wake);
          unpark = () => this.waiters.delete(wake);
          signal.addEventListener("abort", onAbort, { once: true });
        });
      },
      gaveBack: () => {
        if (state === "counted") this.freed();
      },
      leave: (departure) => {
        const wasCounted = state === "counted";
        if (state === "waiting") unpark?.();
        state = "gone";
        if (!wasCounted) return;
        this.counted -= 1;
        if (departure === "settled") this.freed();
        // Nothing will free room for the waiters any more: they ask once more (and are refused)
        // instead of waiting for ever.
        else if (this.counted === 0) this.wakeAll();
      },
    };
  }

  private freed(): void {
    this.roomFreed += 1;
    this.wakeAll();
  }

  private wakeAll(): void {
    const woken = [...this.waiters];
    this.waiters.clear();
    for (const wake of woken) wake();
  }
}
