// Scenario: an agent is rate limited (429, reset 20 s ahead, in the headers of the credential
// style), then overloaded (529) for longer than the CLI retries a 529, then the model recovers.
// It must park without its slot (work pushed), show the reset time on its check run and the
// tracking comment, hold a new agent at the fleet's brake until the reset, let a second agent
// run while it waits out the overload, and end `succeeded` in the session it started in.
import { expect } from "vitest";
import { createKeySpace } from "../../../src/store/keys.ts";
import { ModelBrake } from "../../../src/store/model-brake.ts";
import { writeFile } from "../agent-scripts.ts";
import { e2eOwner, e2eRepo } from "../e2e-environment.ts";
import type { RecordedRequest } from "../scripted-model.ts";
import { waitFor } from "../wait-for.ts";
import {
  agentsOfRun,
  checkRunNamed,
  errorTally,
  expectErrorsCounted,
  expectStyleCredentialOnEveryRequest,
  firstTurnRequests,
  historyText,
  type TroubleWorld,
  utcMinute,
} from "./trouble-world.ts";

/** The CLI retries a 529 twice, within ~2 s (docs/cli-facts.md §1): this outlasts that. */
const shortestOverloadMs = 6_000;

export async function rateLimitThenOverload(trouble: TroubleWorld): Promise<void> {
  const { world, flotilla, style } = trouble;
  const tally = await errorTally(trouble);
  let resetAt = 0;
  let wroteNotes = false;
  let overloadedSince = 0;
  let secondAgentDone = false;
  world.model
    .script("limited", (context) => {
      if (context.step === 0) return writeFile(context, "limited.md", "written before the trouble\n");
      // Its last work before the trouble: the first checkpoint comes minutes after the CLI
      // started (CHECKPOINT_INTERVAL_SECONDS), so only the park can push these files.
      if (!wroteNotes) {
        wroteNotes = true;
        return writeFile(context, "notes.md", "written just before the trouble\n");
      }
      if (resetAt === 0) {
        resetAt = style.resetFor(Date.now() + 20_000);
        return {
          httpError: {
            status: 429,
            type: "rate_limit_error",
            message: "This request would exceed your rate limit.",
            headers: style.rateLimitHeaders(resetAt),
          },
        };
      }
      // Then overloaded past the CLI's retries, and until the second agent has run: it can only
      // run in the slot this agent gave up, so an agent that kept its slot would never finish.
      if (overloadedSince === 0) overloadedSince = Date.now();
      if (Date.now() < overloadedSince + shortestOverloadMs || !secondAgentDone) {
        return { httpError: { status: 529, type: "overloaded_error", message: "Overloaded" } };
      }
      return { text: "limited: done after the model came back" };
    })
    .script("held", (context) => {
      if (context.step === 0) return writeFile(context, "held.md", "written after the brake lifted\n");
      return { text: "held: done" };
    })
    .script("meanwhile", (context) => {
      if (context.step === 0) return writeFile(context, "meanwhile.md", "written while the other waited\n");
      secondAgentDone = true;
      return { text: "meanwhile: done" };
    });

  expect((await world.comment(flotilla, "/agents run [[script:limited]] write limited.md")).status).toBe(200);
  const limited = await waitFor(() => checkRunNamed(trouble, "script-limited"), {
    timeoutMs: 60_000,
    what: "its check run",
  });
  // Rate limited: the check run says until when (a second after the reset, rounded up to the
  // minute), and that it resumes by itself.
  const reset = await waitFor(() => resetAt || undefined, { timeoutMs: 60_000, what: "the 429" });
  const shown = [utcMinute(reset + 1_000), utcMinute(reset + 2_000)].map(
    (when) => `waiting for the model: rate limited until ${when} (resumes by itself)`,
  );
  await waitFor(() => shown.some((text) => historyText(trouble, limited.id).includes(text)), {
    timeoutMs: 60_000,
    what: "the check run to show the rate limit's reset",
    describe: () => historyText(trouble, limited.id).slice(-2_000),
  });
  // Parked until the reset: the park committed and pushed the work written before the trouble.
  const [parked] = await agentsOfRun(trouble, "limited");
  expect(parked).toMatchObject({ state: "waiting", waitKind: "model" });
  // The reset read from this credential's headers, to the second (retry-after counts from when
  // the gateway read it): the agent resumes just after it, and the brake holds the fleet until it.
  expect(parked?.modelResumeAt).toBeGreaterThanOrEqual(reset + 1_000);
  expect(parked?.modelResumeAt).toBeLessThan(reset + 3_000);
  const brake = await new ModelBrake(world.redis, createKeySpace(world.prefix)).current();
  expect(brake?.until).toBeGreaterThanOrEqual(reset);
  expect(brake?.until).toBeLessThan(reset + 2_000);
  expect(await world.remote.readFile(parked?.branch ?? "", "limited.md")).toBe(
    "written before the trouble\n",
  );
  expect(await world.remote.readFile(parked?.branch ?? "", "notes.md")).toBe(
    "written just before the trouble\n",
  );
  // The tracking comment says so too, while the agent waits.
  await waitFor(
    () =>
      world.github
        .comments(e2eOwner, e2eRepo, 7)
        .some(
          (comment) =>
            shown.some((text) => comment.body?.includes(text)) && comment.body?.includes("⏸️ paused"),
        ),
    { timeoutMs: 30_000, what: "the tracking comment to show the rate limit's reset" },
  );

  // The account is rate limited: an agent started now waits at the fleet's brake, without trying.
  // That a worker took its job before the reset also shows that the parked agent held no slot.
  expect((await world.comment(flotilla, "/agents run [[script:held]] write held.md")).status).toBe(200);
  const held = await waitFor(() => checkRunNamed(trouble, "script-held"), {
    timeoutMs: 60_000,
    what: "its check run",
  });
  const brakeShown = [utcMinute(reset), utcMinute(reset + 1_000)].map(
    (when) => `waiting for the model: rate limited until ${when} (resumes by itself)`,
  );
  await waitFor(() => brakeShown.some((text) => historyText(trouble, held.id).includes(text)), {
    timeoutMs: 60_000,
    what: "the held agent's check run to show the brake",
    describe: () => historyText(trouble, held.id).slice(-2_000),
  });

  // After the reset, overloaded: parked again, with backoff; meanwhile a second agent runs.
  await waitFor(() => historyText(trouble, limited.id).includes("overloaded (529)"), {
    timeoutMs: 90_000,
    what: "the check run to show the overload",
  });
  expect((await world.comment(flotilla, "/agents run [[script:meanwhile]] write meanwhile.md")).status).toBe(
    200,
  );

  const names = ["script-limited", "script-held", "script-meanwhile"];
  const finished = await waitFor(
    () => {
      const runs = names.map((name) => checkRunNamed(trouble, name));
      return runs.every((run) => run?.status === "completed") ? runs : undefined;
    },
    { timeoutMs: 180_000, intervalMs: 500, what: "the three agents to finish" },
  );
  expect(finished.map((run) => run?.conclusion)).toEqual(["success", "success", "success"]);
  const [agent] = await agentsOfRun(trouble, "limited");
  expect(agent?.state).toBe("succeeded");

  const limitedRequests = world.model.requestsFor("limited");
  // One session throughout, and the task was never started from scratch.
  expect(new Set(limitedRequests.map((request) => request.sessionId))).toEqual(new Set([agent?.sessionId]));
  expect(firstTurnRequests(limitedRequests)).toHaveLength(1);
  expect(JSON.stringify(limitedRequests.at(-1)?.body.messages)).toContain("Flotilla paused you");
  // The held agent asked the model nothing before the reset.
  const heldRequests = world.model.requestsFor("held");
  expect(heldRequests.length).toBeGreaterThan(0);
  expect(Math.min(...heldRequests.map((request) => request.receivedAt))).toBeGreaterThanOrEqual(reset);
  // No slot held while parked: at concurrency 1, the second agent ran between the limited
  // agent's first 529 and its answered resume.
  const position = (request: RecordedRequest | undefined) =>
    world.model.requests.indexOf(request as RecordedRequest);
  const firstOverload = limitedRequests.find((request) =>
    world.model.errorsAnswered.some((refused) => refused.request === request && refused.error.status === 529),
  );
  const meanwhileRequests = world.model.requestsFor("meanwhile");
  expect(position(meanwhileRequests[0])).toBeGreaterThan(position(firstOverload));
  expect(position(meanwhileRequests.at(-1))).toBeLessThan(position(limitedRequests.at(-1)));

  const counted = await expectErrorsCounted(trouble, tally);
  expect(counted).toMatchObject({ rate_limited: 1, server_error: 0, unreachable: 0, prompt_too_long: 0 });
  expect(counted.overloaded).toBeGreaterThanOrEqual(3);
  expectStyleCredentialOnEveryRequest(trouble);
}
