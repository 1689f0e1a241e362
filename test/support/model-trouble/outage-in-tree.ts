// Scenario: the model API goes down in the middle of a 1+3 tree (root spawns three children and
// waits) for `outageMs`: each call meanwhile gets a 503, a 529 or no answer at all (the
// connection dropped), in turn. The gateway answers the CLI so that it gives up at once (a 529
// after its two fixed retries, docs/cli-facts.md §1), so no CLI outlasts the outage by retrying:
// each agent the outage meets parks with Flotilla's backoff (10 s, 20 s, 40 s, …), showing when
// it tries next, and afterwards every agent finishes in the session it began, none failed.
import { expect } from "vitest";
import { agentNameOf, justWrote, resumedWithReport, spawn, waitForAll, writeFile } from "../agent-scripts.ts";
import { e2eOwner, e2eRepo } from "../e2e-environment.ts";
import type { HttpError, RecordedRequest } from "../scripted-model.ts";
import { waitFor } from "../wait-for.ts";
import {
  agentsOfRun,
  errorTally,
  expectErrorsCounted,
  expectStyleCredentialOnEveryRequest,
  firstTurnRequests,
  historyText,
  requestsOfAgent,
  type TroubleWorld,
  wasAnswered,
} from "./trouble-world.ts";

const outageAnswers: HttpError[] = [
  { status: 503, type: "api_error", message: "Service Unavailable" },
  { status: 529, type: "overloaded_error", message: "Overloaded" },
  { status: 502, dropConnection: true },
];

export async function outageInTree(trouble: TroubleWorld, outageMs: number): Promise<void> {
  const { world, flotilla } = trouble;
  const tally = await errorTally(trouble);
  world.model
    .script("root", (context) => {
      if (resumedWithReport(context)) return { text: "root: all three children done" };
      if (context.step === 0) {
        return spawn([
          { name: "kid-1", task: "[[script:kid]] write kid-1.md" },
          { name: "kid-2", task: "[[script:kid]] write kid-2.md" },
          { name: "kid-3", task: "[[script:kid]] write kid-3.md" },
        ]);
      }
      return waitForAll;
    })
    .script("kid", (context) => {
      const name = agentNameOf(context);
      // Not by step: a resumed session also holds the CLI's own "API Error" message.
      if (!JSON.stringify(context.request.body.messages).includes('"name":"Write"'))
        return writeFile(context, `${name}.md`, `written by ${name}\n`);
      if (justWrote(context)) return { text: `${name} wrote ${name}.md` };
      return { text: `${name} continued after the outage` };
    });

  expect((await world.comment(flotilla, "/agents run [[script:root]] split in three")).status).toBe(200);
  // The outage starts with the first child's call after its Write, so that it meets an agent in
  // the middle of its work (those after it meet it on their first call).
  let outageSince = 0;
  let startedBy: RecordedRequest | undefined;
  let refusals = 0;
  world.model.failRequests((request) => {
    if (outageSince === 0) {
      if (request.scriptName !== "kid" || !JSON.stringify(request.body.messages).includes('"name":"Write"'))
        return undefined;
      outageSince = Date.now();
      startedBy = request;
    }
    refusals += 1;
    return outageAnswers[refusals % outageAnswers.length];
  });
  await waitFor(() => outageSince || undefined, { timeoutMs: 120_000, what: "the outage to start" });
  await new Promise((resolve) => setTimeout(resolve, outageSince + outageMs - Date.now()));
  world.model.failRequests(undefined);

  const runs = await waitFor(
    () => {
      const found = world.github
        .checkRuns(e2eOwner, e2eRepo)
        .filter((run) => run.name.startsWith("agent: script-root"));
      return found.length === 4 && found.every((run) => run.status === "completed") ? found : undefined;
    },
    { timeoutMs: 300_000, intervalMs: 500, what: "the tree to finish" },
  );
  // Each child wrote its file; the root writes nothing itself, but its branch holds its
  // children's work, merged when it resumed (so it too has changes: success).
  expect(runs.map((run) => run.conclusion)).toEqual(Array(4).fill("success"));
  const agents = await agentsOfRun(trouble, "root");
  expect(agents.map((agent) => agent.state)).toEqual(Array(4).fill("succeeded"));
  const root = agents.find((agent) => agent.parentId === undefined);
  for (const kid of agents.filter((agent) => agent.parentId !== undefined)) {
    expect(await world.remote.readFile(kid.branch, `${kid.name}.md`)).toBe(`written by ${kid.name}\n`);
    expect(await world.remote.readFile(root?.branch ?? "", `${kid.name}.md`)).toBe(
      `written by ${kid.name}\n`,
    );
  }
  // The agents kept meeting the outage through its length (each try after a backoff), not once.
  const refused = world.model.errorsAnswered.slice(tally.answered);
  expect((refused.at(-1)?.request.receivedAt ?? 0) - outageSince).toBeGreaterThanOrEqual(outageMs / 2);
  // No agent started from scratch: each kept the session it began in, and once the model had
  // answered it, no request of it opened the conversation again. (An agent whose very first
  // call the outage refused resumes a session holding the CLI's "API Error" reply, so its
  // first answered request is no first turn.)
  for (const agent of agents) {
    const own = requestsOfAgent(trouble, agent.name);
    expect(new Set(own.map((request) => request.sessionId)), agent.name).toEqual(new Set([agent.sessionId]));
    const answered = (request: (typeof own)[number]) => wasAnswered(trouble, request);
    expect(firstTurnRequests(own.slice(own.findIndex(answered) + 1)), agent.name).toEqual([]);
    expect(firstTurnRequests(own).length, agent.name).toBeGreaterThan(0);
  }
  // The child whose call started the outage met it in the middle of its work: the model had
  // answered it before.
  const starter = agents.find((agent) =>
    requestsOfAgent(trouble, agent.name).includes(startedBy as RecordedRequest),
  );
  const startersRequests = requestsOfAgent(trouble, starter?.name ?? "");
  expect(startersRequests.findIndex((request) => wasAnswered(trouble, request))).toBeGreaterThanOrEqual(0);
  expect(startersRequests.findIndex((request) => wasAnswered(trouble, request))).toBeLessThan(
    startersRequests.indexOf(startedBy as RecordedRequest),
  );
  // Each agent the outage stopped parked for the model (it was resumed with Flotilla's word that
  // it had been paused), and its check run said when it would try next. (An agent whose first
  // 529 came just before the end may get through on its CLI's own retry, without parking; and a
  // short outage may end before the last child reaches its first call. Two minutes stop all three.)
  const parked = agents.filter((agent) =>
    requestsOfAgent(trouble, agent.name).some((request) =>
      JSON.stringify(request.body.messages).includes("Flotilla paused you"),
    ),
  );
  expect(parked).toContain(starter);
  expect(parked.every((agent) => agent.parentId !== undefined)).toBe(true);
  if (outageMs >= 60_000) expect(parked).toHaveLength(3);
  for (const agent of parked) {
    const run = runs.find((candidate) => candidate.name.endsWith(`child: ${agent.name}`));
    expect(historyText(trouble, run?.id ?? 0), agent.name).toMatch(
      /waiting for the model: (server error \(503\)|overloaded \(529\)|unreachable)[^"]*, next try at \d\d:\d\d UTC \(resumes by itself\)/,
    );
  }
  // /metrics counted each refusal once, by kind, and the outage brought all three kinds.
  const counted = await expectErrorsCounted(trouble, tally);
  expect(counted).toMatchObject({ rate_limited: 0, prompt_too_long: 0 });
  expect(counted.server_error).toBeGreaterThan(0);
  expect(counted.overloaded).toBeGreaterThan(0);
  expect(counted.unreachable).toBeGreaterThan(0);
  expectStyleCredentialOnEveryRequest(trouble);
}
