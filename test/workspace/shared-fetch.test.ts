// Agents that start together share mirror fetches, yet each still gets a fetch that began after
// it asked.
import { describe, expect, it } from "vitest";
import { sharedFetch } from "../../src/workspace/shared-fetch.ts";

function controllableFetches() {
  const started: { finish: () => void; fail: (error: Error) => void }[] = [];
  const fetch = () =>
    new Promise<void>((resolve, reject) => {
      started.push({ finish: resolve, fail: reject });
    });
  return { started, fetch };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("sharedFetch", () => {
  it("runs one fetch for a lone caller", async () => {
    const { started, fetch } = controllableFetches();
    const done = sharedFetch("lone", fetch);
    expect(started).toHaveLength(1);
    started[0]?.finish();
    await done;
  });

  it("gives every caller that asks during a fetch one shared fetch that starts after it", async () => {
    const { started, fetch } = controllableFetches();
    const first = sharedFetch("burst", fetch);
    let laterDone = 0;
    const later = Array.from({ length: 10 }, () =>
      sharedFetch("burst", fetch).then(() => {
        laterDone += 1;
      }),
    );
    await settle();
    expect(started).toHaveLength(1);
    started[0]?.finish();
    await first;
    await settle();
    // The first fetch began before the later callers asked: they wait for a second one.
    expect(laterDone).toBe(0);
    expect(started).toHaveLength(2);
    started[1]?.finish();
    await Promise.all(later);
    expect(laterDone).toBe(10);
    expect(started).toHaveLength(2);
  });

  it("keeps keys apart, and lets the callers of a failed fetch see its error while the next one runs", async () => {
    const { started, fetch } = controllableFetches();
    const failing = sharedFetch("a", fetch);
    const other = sharedFetch("b", fetch);
    const waiting = sharedFetch("a", fetch);
    expect(started).toHaveLength(2);
    started[0]?.fail(new Error("remote unreachable"));
    await expect(failing).rejects.toThrow("remote unreachable");
    await settle();
    expect(started).toHaveLength(3);
    started[2]?.finish();
    started[1]?.finish();
    await Promise.all([waiting, other]);
  });
});
