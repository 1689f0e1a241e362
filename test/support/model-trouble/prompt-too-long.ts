// Scenario: a 400 "prompt is too long" on an agent's own conversation. Flotilla gives it one
// fresh session seeded with a handoff (its work so far stays on its branch): an agent whose
// fresh session fits finishes; one that overflows again fails saying so. Neither is reported
// as a success that it was not, whatever its CLI printed.
import { expect } from "vitest";
import { writeFile } from "../agent-scripts.ts";
import { waitFor } from "../wait-for.ts";
import {
  agentsOfRun,
  checkRunNamed,
  errorTally,
  expectErrorsCounted,
  expectStyleCredentialOnEveryRequest,
  firstTurnRequests,
  type TroubleWorld,
} from "./trouble-world.ts";

const tooLong = {
  httpError: {
    status: 400,
    type: "invalid_request_error",
    message: "prompt is too long: 215000 tokens > 200000 maximum",
  },
};

function isFreshSession(prompt: string): boolean {
  return prompt.includes("Flotilla started this fresh session");
}

export async function promptTooLong(trouble: TroubleWorld): Promise<void> {
  const { world, flotilla } = trouble;
  const tally = await errorTally(trouble);
  world.model
    .script("too-long-once", (context) => {
      if (isFreshSession(context.prompt)) return { text: "too-long-once: finished in a fresh session" };
      if (context.step === 0) return writeFile(context, "long.md", "before the overflow\n");
      return tooLong;
    })
    .script("too-long-always", (context) => {
      if (context.step === 0 && !isFreshSession(context.prompt))
        return writeFile(context, "always.md", "before the overflow\n");
      return tooLong;
    });

  expect((await world.comment(flotilla, "/agents run [[script:too-long-once]] write long.md")).status).toBe(
    200,
  );
  expect(
    (await world.comment(flotilla, "/agents run [[script:too-long-always]] write always.md")).status,
  ).toBe(200);
  const [once, always] = await waitFor(
    () => {
      const found = [
        checkRunNamed(trouble, "script-too-long-once"),
        checkRunNamed(trouble, "script-too-long-always"),
      ];
      return found.every((run) => run?.status === "completed") ? found : undefined;
    },
    { timeoutMs: 180_000, intervalMs: 500, what: "both over-long agents to end" },
  );
  expect(once?.conclusion).toBe("success");
  expect(always?.conclusion).toBe("failure");
  expect(always?.output.title).toContain("prompt is too long");
  expect(always?.output.summary).toContain("after a fresh session");
  const [onceAgent] = await agentsOfRun(trouble, "too-long-once");
  const [alwaysAgent] = await agentsOfRun(trouble, "too-long-always");
  expect(onceAgent?.state).toBe("succeeded");
  expect(alwaysAgent?.state).toBe("failed");

  // Two sessions each: the one that overflowed, and the fresh one with the handoff, which
  // found the work of the first on the agent's branch.
  for (const script of ["too-long-once", "too-long-always"]) {
    const requests = world.model.requestsFor(script);
    const sessions = [...new Set(requests.map((request) => request.sessionId))];
    expect(sessions, script).toHaveLength(2);
    const fresh = requests.filter((request) => request.sessionId === sessions[1]);
    expect(firstTurnRequests(fresh).length, script).toBeGreaterThan(0);
    expect(
      fresh.every((request) =>
        JSON.stringify(request.body.messages).includes("Flotilla started this fresh session"),
      ),
      script,
    ).toBe(true);
  }
  expect(await world.remote.readFile(onceAgent?.branch ?? "", "long.md")).toBe("before the overflow\n");
  expect(await world.remote.readFile(alwaysAgent?.branch ?? "", "always.md")).toBe("before the overflow\n");

  // Once for the first, twice for the second (before and after its fresh session).
  const counted = await expectErrorsCounted(trouble, tally);
  expect(counted).toEqual({
    rate_limited: 0,
    overloaded: 0,
    server_error: 0,
    unreachable: 0,
    prompt_too_long: 3,
  });
  expectStyleCredentialOnEveryRequest(trouble);
}
