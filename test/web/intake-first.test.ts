// The consumer's gate: stored deliveries wait while the event loop is busy answering new ones,
// go as soon as it is not, and never wait longer than the hold limit.
import { describe, expect, it } from "vitest";
import { IntakeFirstGate } from "../../src/web/intake-first.ts";

const options = { busyAbove: 0.5, sampleMs: 100, maxHoldMs: 300 };

function settled(promise: Promise<void>): { done: boolean } {
  const state = { done: false };
  void promise.then(() => {
    state.done = true;
  });
  return state;
}

/** Lets promise callbacks of released deliveries run. */
const microtasks = () => new Promise((resolve) => setImmediate(resolve));

describe("the intake-first gate", () => {
  it("admits at once while the loop is not busy", async () => {
    const gate = new IntakeFirstGate(options);
    gate.observe(0.2);
    const admitted = settled(gate.admit());
    await microtasks();
    expect(admitted.done).toBe(true);
    expect(gate.holding).toBe(0);
  });

  it("holds deliveries while the loop is busy and lets them go when it is not", async () => {
    const gate = new IntakeFirstGate(options);
    gate.observe(0.9);
    const first = settled(gate.admit());
    const second = settled(gate.admit());
    gate.observe(0.8);
    await microtasks();
    expect([first.done, second.done, gate.holding]).toEqual([false, false, 2]);
    gate.observe(0.3);
    await microtasks();
    expect([first.done, second.done, gate.holding]).toEqual([true, true, 0]);
  });

  it("lets a delivery go after the hold limit even if the loop stays busy", async () => {
    const gate = new IntakeFirstGate(options);
    gate.observe(0.95);
    const held = settled(gate.admit());
    gate.observe(0.95);
    gate.observe(0.95);
    await microtasks();
    expect(held.done).toBe(false);
    gate.observe(0.95);
    await microtasks();
    expect(held.done).toBe(true);
  });

  it("lets everything go at shutdown", async () => {
    const gate = new IntakeFirstGate(options);
    gate.observe(1);
    const held = settled(gate.admit());
    gate.releaseAll();
    const afterwards = settled(gate.admit());
    await microtasks();
    expect([held.done, afterwards.done, gate.holding]).toEqual([true, true, 0]);
  });
});
