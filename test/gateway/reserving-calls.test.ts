// The count of an agent's calls that hold or ask for reservations, and the calls parked until room
// is freed: who waits, what wakes whom, and that no call waits for ever.
import { describe, expect, it } from "vitest";
import { type ReservingCall, ReservingCalls } from "../../src/gateway/reserving-calls.ts";

const never = new AbortController().signal;

/** Lets every pending promise callback run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** A wait whose outcome the test can read without awaiting it. */
function watch(call: ReservingCall, mark: number, signal = never) {
  const watched: { outcome: boolean | "rejected" | undefined } = { outcome: undefined };
  call.waitForRoom(mark, signal).then(
    (askAgain) => {
      watched.outcome = askAgain;
    },
    () => {
      watched.outcome = "rejected";
    },
  );
  return watched;
}

describe("reserving calls", () => {
  it("refuses at once a call that no other call holds room from", async () => {
    const calls = new ReservingCalls();
    const only = calls.enter();
    expect(await only.waitForRoom(only.mark(), never)).toBe(false);
    expect(calls.countedCalls).toBe(1);
    only.leave("gave_up");
    expect(calls.countedCalls).toBe(0);
  });

  it("parks a call refused while another is counted, uncounted, until that one is settled", async () => {
    const calls = new ReservingCalls();
    const holder = calls.enter();
    const refused = calls.enter();
    const waiting = watch(refused, refused.mark());
    await settle();
    expect(waiting.outcome).toBeUndefined();
    expect(calls).toMatchObject({ countedCalls: 1, waitingCalls: 1 });
    holder.leave("settled");
    await settle();
    expect(waiting.outcome).toBe(true);
    expect(calls).toMatchObject({ countedCalls: 1, waitingCalls: 0 });
  });

  it("asks again at once when room was freed while the call was asking", async () => {
    const calls = new ReservingCalls();
    const holder = calls.enter();
    const asking = calls.enter();
    const mark = asking.mark();
    holder.leave("settled");
    const other = calls.enter();
    // `other` is counted, but the settlement came after the mark: the refusal may predate it.
    expect(await asking.waitForRoom(mark, never)).toBe(true);
    expect(calls.waitingCalls).toBe(0);
    other.leave("gave_up");
  });

  it("wakes the waiters when a call gives back its size-bound reservation, which stays counted", async () => {
    const calls = new ReservingCalls();
    const counting = calls.enter();
    const refused = calls.enter();
    const waiting = watch(refused, refused.mark());
    await settle();
    counting.gaveBack();
    await settle();
    expect(waiting.outcome).toBe(true);
    expect(calls.countedCalls).toBe(2);
  });

  it("wakes the waiters on a refusal only when no call is counted any more", async () => {
    const calls = new ReservingCalls();
    const first = calls.enter();
    const second = calls.enter();
    const refused = calls.enter();
    const waiting = watch(refused, refused.mark());
    await settle();
    first.leave("gave_up");
    await settle();
    expect(waiting.outcome).toBeUndefined();
    second.leave("gave_up");
    await settle();
    expect(waiting.outcome).toBe(true);
    // Asked again and refused again, alone now: refused for good.
    expect(await refused.waitForRoom(refused.mark(), never)).toBe(false);
  });

  it("never lets two waiters wait for each other", async () => {
    const calls = new ReservingCalls();
    const holder = calls.enter();
    const a = calls.enter();
    const b = calls.enter();
    const aWaits = watch(a, a.mark());
    const bWaits = watch(b, b.mark());
    await settle();
    expect(calls).toMatchObject({ countedCalls: 1, waitingCalls: 2 });
    holder.leave("gave_up");
    await settle();
    expect([aWaits.outcome, bWaits.outcome]).toEqual([true, true]);
    // Both ask again and both are refused: the first waits for the second, which is refused for
    // good and, leaving, wakes the first, which is then refused for good too.
    const aAgain = watch(a, a.mark());
    await settle();
    expect(aAgain.outcome).toBeUndefined();
    expect(await b.waitForRoom(b.mark(), never)).toBe(false);
    b.leave("gave_up");
    await settle();
    expect(aAgain.outcome).toBe(true);
    expect(await a.waitForRoom(a.mark(), never)).toBe(false);
    a.leave("gave_up");
    expect(calls).toMatchObject({ countedCalls: 0, waitingCalls: 0 });
  });

  it("drops a waiter whose client went away, without changing the count or waking anyone", async () => {
    const calls = new ReservingCalls();
    const holder = calls.enter();
    const other = calls.enter();
    const otherWaits = watch(other, other.mark());
    const gone = new AbortController();
    const leaving = calls.enter();
    const leavingWaits = watch(leaving, leaving.mark(), gone.signal);
    await settle();
    gone.abort(new Error("client gone"));
    await settle();
    expect(leavingWaits.outcome).toBe("rejected");
    expect(otherWaits.outcome).toBeUndefined();
    expect(calls).toMatchObject({ countedCalls: 1, waitingCalls: 1 });
    leaving.leave("gave_up");
    expect(calls.countedCalls).toBe(1);
    holder.leave("settled");
    await settle();
    expect(otherWaits.outcome).toBe(true);
  });

  it("counts a call out once, however often it leaves", () => {
    const calls = new ReservingCalls();
    const kept = calls.enter();
    const call = calls.enter();
    call.leave("settled");
    call.leave("settled");
    call.leave("gave_up");
    call.gaveBack();
    expect(calls.countedCalls).toBe(1);
    kept.leave("gave_up");
    expect(calls.countedCalls).toBe(0);
  });
});
