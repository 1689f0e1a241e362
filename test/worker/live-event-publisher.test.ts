// A running agent's stream events reach its Redis stream as short lines, written in a few
// round trips rather than one per event, capped at about a thousand entries, with nothing
// unbounded held in memory when Redis cannot keep up.
import { describe, expect, it } from "vitest";
import type { AgentStreamEvent } from "../../src/agent/stream-events.ts";
import { AgentEventLog, type LiveEvent } from "../../src/store/agent-event-log.ts";
import { LiveEventPublisher } from "../../src/worker/live-event-publisher.ts";
import { liveTextChars } from "../../src/worker/live-events.ts";
import { useTestRedis } from "../support/test-redis.ts";

const testRedis = useTestRedis();
const log = new AgentEventLog(testRedis.redis, testRedis.keys);

const toolCall = (index: number): AgentStreamEvent => ({
  kind: "tool_call",
  toolUseId: `toolu_${index}`,
  name: "Bash",
  inputSummary: `npm test -- --shard ${index}`,
  input: { command: `npm test -- --shard ${index}` },
  messageId: `msg_${index}`,
  parentToolUseId: null,
});

describe("LiveEventPublisher", () => {
  it("writes each event as one short line, in few round trips", async () => {
    let appends = 0;
    const counting = new AgentEventLog(testRedis.redis, testRedis.keys);
    const original = counting.append.bind(counting);
    counting.append = async (agentId, events) => {
      appends += 1;
      await original(agentId, events);
    };
    const publisher = new LiveEventPublisher({
      log: counting,
      agentId: "r1/a",
      onError: (error) => {
        throw error;
      },
    });
    for (let index = 0; index < 50; index += 1) publisher.record(toolCall(index));
    publisher.record({
      kind: "usage",
      messageId: "m",
      model: "x",
      usage: { inputTokens: 1, outputTokens: 1, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 },
      parentToolUseId: null,
    });
    publisher.record({
      kind: "tool_result",
      toolUseId: "t",
      isError: true,
      preview: "x".repeat(5_000),
      parentToolUseId: null,
    });
    await publisher.flush();
    expect(appends).toBeLessThanOrEqual(2);
    const stored = await log.recent("r1/a", 100);
    // Usage lines are bookkeeping, not activity.
    expect(stored).toHaveLength(51);
    expect(stored[0]).toMatchObject({ kind: "tool", text: "Bash: npm test -- --shard 0" });
    const last = stored.at(-1);
    expect(last?.kind).toBe("result_error");
    expect(last?.text.length).toBeLessThanOrEqual(liveTextChars + 10);
    expect(await testRedis.redis.pttl(testRedis.keys.agentEvents("r1/a"))).toBeGreaterThan(0);
  });

  it("keeps the stream near its cap", async () => {
    const batch: LiveEvent[] = Array.from({ length: 3_000 }, (_, index) => ({
      kind: "note",
      text: `n${index}`,
      at: index,
    }));
    for (let start = 0; start < batch.length; start += 500)
      await log.append("r1/capped", batch.slice(start, start + 500));
    const length = await testRedis.redis.xlen(testRedis.keys.agentEvents("r1/capped"));
    expect(length).toBeGreaterThanOrEqual(1_000);
    expect(length).toBeLessThan(1_200);
    expect((await log.recent("r1/capped", 1))[0]?.text).toBe("n2999");
  });

  it("holds at most its pending limit while a write is slow, and says how many it skipped", async () => {
    let release: () => void = () => undefined;
    const slow = new AgentEventLog(testRedis.redis, testRedis.keys);
    const original = slow.append.bind(slow);
    let first = true;
    slow.append = async (agentId, events) => {
      if (first) {
        first = false;
        await new Promise<void>((resolve) => {
          release = resolve;
        });
      }
      await original(agentId, events);
    };
    const publisher = new LiveEventPublisher({
      log: slow,
      agentId: "r1/slow",
      maxPending: 20,
      flushIntervalMs: 10,
      onError: (error) => {
        throw error;
      },
    });
    publisher.record(toolCall(0));
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The first write hangs; a thousand more events arrive meanwhile.
    for (let index = 1; index <= 1_000; index += 1) publisher.record(toolCall(index));
    release();
    await publisher.flush();
    const stored = await log.recent("r1/slow", 100);
    expect(stored).toHaveLength(22);
    expect(stored[1]).toMatchObject({ kind: "note", text: "… 980 events skipped (too many at once)" });
    expect(stored.at(-1)?.text).toBe("Bash: npm test -- --shard 1000");
  });
});
