// The model API in trouble, for real: the claude CLI against a scripted model that answers some
// calls with 429 and a reset 20 s ahead, 529 for longer than the CLI's own retries, a short
// outage (529 and 503 for ~25 s) in the middle of a 1+3 tree, and 400 "prompt is too long".
// Agents park (slot freed, work pushed), resume in their own sessions and finish; the gateway's
// record, not the CLI's printout, decides. The CLI's own retries need no setting here: the
// gateway answers 429 and 5xx with `x-should-retry: false`, and the CLI retries a 529 only twice.
// One worker slot (WORKER_CONCURRENCY=1), so an agent that kept its slot while parked would
// stop every other agent.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  agentNameOf,
  justWrote,
  resumedWithReport,
  spawn,
  waitForAll,
  writeFile,
} from "../support/agent-scripts.ts";
import { createE2eEnvironment, type E2eEnvironment, e2eOwner, e2eRepo } from "../support/e2e-environment.ts";
import type { RunningFlotilla } from "../support/flotilla-process.ts";
import type { RecordedRequest } from "../support/scripted-model.ts";
import { waitFor } from "../support/wait-for.ts";

let world: E2eEnvironment;
let flotilla: RunningFlotilla;
const rateLimitResets: number[] = [];
let overloadedUntil = 0;

/** `14:05 UTC`, rounded up to the minute (as Flotilla shows a resume time). */
function utcMinute(at: number): string {
  const minute = new Date(Math.ceil(at / 60_000) * 60_000);
  return `${String(minute.getUTCHours()).padStart(2, "0")}:${String(minute.getUTCMinutes()).padStart(2, "0")} UTC`;
}

function firstTurnRequests(requests: RecordedRequest[]): RecordedRequest[] {
  return requests.filter((request) => !request.body.messages.some((message) => message.role === "assistant"));
}

/** The requests of the agent named `name` (its prompt says who it is), answered or not. */
function requestsOfAgent(name: string): RecordedRequest[] {
  return world.model.requests.filter((request) =>
    JSON.stringify(request.body.messages.find((message) => message.role === "user")?.content).includes(
      `You are \\"${name}\\"`,
    ),
  );
}

function wasAnswered(request: RecordedRequest): boolean {
  return !world.model.errorsAnswered.some((refused) => refused.request === request);
}

/** The agents of the run whose top-level task runs `script`. */
async function agentsOfRun(script: string) {
  for (const runId of await world.store.runIdsForIssue(e2eOwner, e2eRepo, 7)) {
    const agents = await world.store.listRunAgents(runId);
    if (agents.some((agent) => agent.parentId === undefined && agent.task.includes(`[[script:${script}]]`)))
      return agents;
  }
  return [];
}

/**
 * Resolves once the branch of the run whose task runs `script` holds `path` on the remote, or
 * after 10 s (a first checkpoint that came before the file was written pushes nothing).
 */
async function onRemoteBranch(script: string, path: string): Promise<void> {
  await waitFor(
    async () => {
      const [agent] = await agentsOfRun(script);
      return agent !== undefined && (await world.remote.readFile(agent.branch, path)) !== undefined;
    },
    { timeoutMs: 10_000, what: `${path} on the remote` },
  ).catch(() => undefined);
}

function checkRunNamed(prefix: string) {
  return world.github.checkRuns(e2eOwner, e2eRepo).find((run) => run.name.startsWith(`agent: ${prefix}`));
}

function historyText(checkRunId: number): string {
  return JSON.stringify(world.github.checkRunHistory(checkRunId));
}

async function metricCount(kind: string): Promise<number> {
  const text = await (await fetch(`${flotilla.opsUrl}/metrics`)).text();
  const line = text
    .split("\n")
    .find((row) => row.startsWith("flotilla_model_upstream_errors_total{") && row.includes(`kind="${kind}"`));
  return Number(line?.split(" ").at(-1) ?? 0);
}

beforeAll(async () => {
  world = await createE2eEnvironment("model-trouble");
  let rateLimitedOnce = false;
  let wroteNotes = false;
  world.model
    .script("limited", (context) => {
      if (context.step === 0) return writeFile(context, "limited.md", "written before the trouble\n");
      // Its last work before the trouble comes after its first checkpoint (which pushes what the
      // worktree holds soon after the CLI starts): only the park can push notes.md before the
      // next checkpoint, minutes later.
      if (!wroteNotes) {
        wroteNotes = true;
        return {
          ...writeFile(context, "notes.md", "written just before the trouble\n"),
          holdUntil: onRemoteBranch("limited", "limited.md"),
        };
      }
      if (!rateLimitedOnce) {
        rateLimitedOnce = true;
        const reset = Date.now() + 20_000;
        rateLimitResets.push(reset);
        return {
          httpError: {
            status: 429,
            type: "rate_limit_error",
            message: "This request would exceed your organization's rate limit.",
            headers: {
              "retry-after": "20",
              "anthropic-ratelimit-requests-remaining": "0",
              "anthropic-ratelimit-requests-reset": new Date(reset).toISOString(),
            },
          },
        };
      }
      // After the rate limit: overloaded for longer than the CLI retries a 529 (3 requests, ~2 s).
      if (overloadedUntil === 0) overloadedUntil = Date.now() + 6_000;
      if (Date.now() < overloadedUntil) {
        return { httpError: { status: 529, type: "overloaded_error", message: "Overloaded" } };
      }
      return { text: "limited: done after the model came back" };
    })
    .script("plain", (context) => {
      if (context.step === 0) return writeFile(context, `${agentNameOf(context)}.md`, "plain\n");
      return { text: "plain: done" };
    })
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
    })
    .script("too-long-once", (context) => {
      const fresh = context.prompt.includes("Flotilla started this fresh session");
      if (!fresh && context.step === 0) return writeFile(context, "long.md", "before the overflow\n");
      if (!fresh) {
        return {
          httpError: {
            status: 400,
            type: "invalid_request_error",
            message: "prompt is too long: 215000 tokens > 200000 maximum",
          },
        };
      }
      return { text: "too-long-once: finished in a fresh session" };
    })
    .script("too-long-always", (context) => {
      if (context.step === 0 && !context.prompt.includes("Flotilla started this fresh session"))
        return writeFile(context, "always.md", "before the overflow\n");
      return {
        httpError: {
          status: 400,
          type: "invalid_request_error",
          message: "prompt is too long: 215000 tokens > 200000 maximum",
        },
      };
    })
    .script("subscription", (context) => {
      if (context.step === 0) return writeFile(context, "subscription.md", "written before the limit\n");
      if (rateLimitResets.length < 2) {
        const reset = Math.ceil((Date.now() + 15_000) / 1000);
        rateLimitResets.push(reset * 1000);
        return {
          httpError: {
            status: 429,
            type: "rate_limit_error",
            message: "Claude usage limit reached.",
            headers: {
              "anthropic-ratelimit-unified-status": "rejected",
              "anthropic-ratelimit-unified-reset": String(reset),
              "anthropic-ratelimit-unified-representative-claim": "five_hour",
            },
          },
        };
      }
      return { text: "subscription: done after the reset" };
    });
  flotilla = await world.startFlotilla({ extraEnv: { WORKER_CONCURRENCY: "1" } });
});

afterAll(() => world?.cleanup());

describe("model trouble", () => {
  it("parks a rate-limited and then overloaded agent without its slot and resumes it in its own session", async () => {
    expect((await world.comment(flotilla, "/agents run [[script:limited]] write limited.md")).status).toBe(
      200,
    );
    const limited = await waitFor(() => checkRunNamed("script-limited"), {
      timeoutMs: 60_000,
      what: "its check run",
    });
    // Rate limited: the check run says until when, and that it resumes by itself.
    const reset = await waitFor(() => rateLimitResets[0], { timeoutMs: 60_000, what: "the 429" });
    const shown = [utcMinute(reset), utcMinute(reset + 2_000)].map(
      (when) => `waiting for the model: rate limited until ${when} (resumes by itself)`,
    );
    await waitFor(() => shown.some((text) => historyText(limited.id).includes(text)), {
      timeoutMs: 60_000,
      what: "the check run to show the rate limit's reset",
    });
    // Parked until the reset: the park committed and pushed the work written before the trouble.
    const [parked] = await agentsOfRun("limited");
    expect(parked).toMatchObject({ state: "waiting", waitKind: "model" });
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
    // Then overloaded past the CLI's retries: parked again, with backoff; meanwhile another agent runs.
    await waitFor(() => historyText(limited.id).includes("overloaded (529)"), {
      timeoutMs: 90_000,
      what: "the check run to show the overload",
    });
    expect((await world.comment(flotilla, "/agents run [[script:plain]] write plain.md")).status).toBe(200);

    const finished = await waitFor(
      () => {
        const runs = [checkRunNamed("script-limited"), checkRunNamed("script-plain")];
        return runs.every((run) => run?.status === "completed") ? runs : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 500, what: "both agents to finish" },
    );
    expect(finished.map((run) => run?.conclusion)).toEqual(["success", "success"]);
    const [agent] = await agentsOfRun("limited");
    expect(agent?.state).toBe("succeeded");

    const limitedRequests = world.model.requestsFor("limited");
    // One session throughout, and the task was never started from scratch.
    expect(new Set(limitedRequests.map((request) => request.sessionId)).size).toBe(1);
    expect(firstTurnRequests(limitedRequests)).toHaveLength(1);
    expect(JSON.stringify(limitedRequests.at(-1)?.body.messages)).toContain("Flotilla paused you");
    // No slot held while parked: at concurrency 1, the second agent ran before the first finished.
    const plainRequests = world.model.requestsFor("plain");
    const lastLimited = world.model.requests.lastIndexOf(limitedRequests.at(-1) as RecordedRequest);
    expect(world.model.requests.indexOf(plainRequests.at(-1) as RecordedRequest)).toBeLessThan(lastLimited);
    expect(await metricCount("rate_limited")).toBeGreaterThanOrEqual(1);
    expect(await metricCount("overloaded")).toBeGreaterThanOrEqual(3);
  });

  // The issue asks for 2 minutes of outage; ~25 s stands in for it. The gateway answers 503 and
  // 529 with `x-should-retry: false`, so the CLI gives up on a 503 at once and on a 529 after its
  // two fixed retries (~2 s, docs/cli-facts.md §1): no CLI outlasts the outage by retrying, and
  // an agent parks with Flotilla's backoff (10 s, 20 s, …). A longer outage adds parks and
  // test time, nothing the test does not see here.
  it("finishes a 1+3 tree through a ~25 s outage in its middle, none failed, errors counted by kind", async () => {
    const before = { overloaded: await metricCount("overloaded"), server: await metricCount("server_error") };
    expect((await world.comment(flotilla, "/agents run [[script:root]] split in three")).status).toBe(200);
    // The outage starts with the first child's call after its Write, so that it meets an agent
    // in the middle of its work (those after it meet it on their first call).
    let outageSince = 0;
    let flip = 0;
    world.model.failRequests((request) => {
      if (outageSince === 0) {
        if (request.scriptName !== "kid" || !JSON.stringify(request.body.messages).includes('"name":"Write"'))
          return undefined;
        outageSince = Date.now();
      }
      flip += 1;
      return flip % 2 === 0
        ? { status: 529, type: "overloaded_error", message: "Overloaded" }
        : { status: 503, type: "api_error", message: "Service Unavailable" };
    });
    await waitFor(() => outageSince || undefined, { timeoutMs: 120_000, what: "the outage to start" });
    await new Promise((resolve) => setTimeout(resolve, outageSince + 25_000 - Date.now()));
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
    const agents = await agentsOfRun("root");
    expect(agents.map((agent) => agent.state)).toEqual(Array(4).fill("succeeded"));
    const root = agents.find((agent) => agent.parentId === undefined);
    for (const kid of agents.filter((agent) => agent.parentId !== undefined)) {
      expect(await world.remote.readFile(kid.branch, `${kid.name}.md`)).toBe(`written by ${kid.name}\n`);
      expect(await world.remote.readFile(root?.branch ?? "", `${kid.name}.md`)).toBe(
        `written by ${kid.name}\n`,
      );
    }
    expect(world.model.errorsAnswered.length).toBeGreaterThan(0);
    // No agent started from scratch: each kept the session it began in, and once the model had
    // answered it, no request of it opened the conversation again. (An agent whose very first
    // call the outage refused resumes a session holding the CLI's "API Error" reply, so its
    // first answered request is no first turn.)
    for (const agent of agents) {
      const own = requestsOfAgent(agent.name);
      expect(new Set(own.map((request) => request.sessionId)), agent.name).toEqual(
        new Set([agent.sessionId]),
      );
      expect(firstTurnRequests(own.slice(own.findIndex(wasAnswered) + 1)), agent.name).toEqual([]);
      expect(firstTurnRequests(own).length, agent.name).toBeGreaterThan(0);
    }
    // kid-1 met the outage in the middle of its work: refused after the model had answered it.
    const firstKid = requestsOfAgent("kid-1");
    expect(firstKid.slice(firstKid.findIndex(wasAnswered) + 1).some((request) => !wasAnswered(request))).toBe(
      true,
    );
    // Each agent the outage refused parked for the model: its check run showed the waiting state.
    const refused = agents.filter((agent) =>
      requestsOfAgent(agent.name).some((request) => !wasAnswered(request)),
    );
    expect(refused.length).toBeGreaterThan(0);
    for (const agent of refused) {
      const run = runs.find((candidate) =>
        agent.parentId === undefined
          ? !candidate.name.includes(" › ")
          : candidate.name.endsWith(`child: ${agent.name}`),
      );
      expect(historyText(run?.id ?? 0), agent.name).toContain("waiting for the model: ");
    }
    const after = { overloaded: await metricCount("overloaded"), server: await metricCount("server_error") };
    expect(after.overloaded + after.server).toBeGreaterThan(before.overloaded + before.server);
    expect(after.server).toBeGreaterThan(before.server);
  });

  it("gives an over-long conversation one fresh session, then fails with that reason, never success", async () => {
    expect((await world.comment(flotilla, "/agents run [[script:too-long-once]] write long.md")).status).toBe(
      200,
    );
    expect(
      (await world.comment(flotilla, "/agents run [[script:too-long-always]] write always.md")).status,
    ).toBe(200);
    const [once, always] = await waitFor(
      () => {
        const found = [checkRunNamed("script-too-long-once"), checkRunNamed("script-too-long-always")];
        return found.every((run) => run?.status === "completed") ? found : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 500, what: "both over-long agents to end" },
    );
    expect(once?.conclusion).toBe("success");
    expect(always?.conclusion).toBe("failure");
    expect(always?.output.title).toContain("prompt is too long");
    expect(always?.output.summary).toContain("after a fresh session");
    const onceRequests = world.model.requestsFor("too-long-once");
    expect(new Set(onceRequests.map((request) => request.sessionId)).size).toBe(2);
    expect(
      await world.remote.readFile((await agentsOfRun("too-long-once"))[0]?.branch ?? "", "long.md"),
    ).toBe("before the overflow\n");
    expect(await metricCount("prompt_too_long")).toBeGreaterThanOrEqual(3);
  });

  it("does the same with a subscription token (Bearer) and the unified rate-limit headers", async () => {
    await flotilla.kill();
    flotilla = await world.startFlotilla({
      extraEnv: {
        WORKER_CONCURRENCY: "1",
        ANTHROPIC_API_KEY: "",
        CLAUDE_CODE_OAUTH_TOKEN: "sk-ant-oat01-e2e-sub",
      },
    });
    expect(
      (await world.comment(flotilla, "/agents run [[script:subscription]] write subscription.md")).status,
    ).toBe(200);
    const run = await waitFor(() => checkRunNamed("script-subscription"), {
      timeoutMs: 60_000,
      what: "its check run",
    });
    const reset = await waitFor(() => rateLimitResets[1], { timeoutMs: 60_000, what: "the 429" });
    await waitFor(
      () =>
        historyText(run.id).includes(
          `waiting for the model: rate limited until ${utcMinute(reset + 1_000)} (resumes by itself)`,
        ),
      { timeoutMs: 60_000, what: "the check run to show the subscription's reset" },
    );
    // The account is rate limited: an agent started now waits for the brake, without trying.
    expect((await world.comment(flotilla, "/agents run [[script:plain]] write held.md")).status).toBe(200);
    const held = await waitFor(() => checkRunNamed("script-plain-write-held"), {
      timeoutMs: 60_000,
      what: "its check run",
    });
    await waitFor(() => historyText(held.id).includes("waiting for the model: rate limited until"), {
      timeoutMs: 60_000,
      what: "the held agent's check run to show the brake",
    });
    // This also shows that the agent waiting out the 429 held no slot: the brake's words can only
    // be written while it holds, before the reset, and at WORKER_CONCURRENCY=1 only a free slot
    // takes the held agent's job then. (Before the reset no agent may call the model, so being
    // taken and held is all a second agent can do meanwhile.)
    const done = await waitFor(
      () =>
        checkRunNamed("script-subscription")?.status === "completed"
          ? checkRunNamed("script-subscription")
          : undefined,
      {
        timeoutMs: 120_000,
        intervalMs: 500,
        what: "the agent to finish",
      },
    );
    expect(done?.conclusion).toBe("success");
    const heldDone = await waitFor(
      () =>
        checkRunNamed("script-plain-write-held")?.status === "completed"
          ? checkRunNamed("script-plain-write-held")
          : undefined,
      { timeoutMs: 120_000, intervalMs: 500, what: "the held agent to finish" },
    );
    expect(heldDone?.conclusion).toBe("success");
    // The held agent asked the model nothing before the reset.
    const heldRequests = world.model
      .requestsFor("plain")
      .filter((request) => JSON.stringify(request.body.messages).includes("held.md"));
    expect(heldRequests.length).toBeGreaterThan(0);
    expect(Math.min(...heldRequests.map((request) => request.receivedAt))).toBeGreaterThanOrEqual(reset);
    const requests = world.model.requestsFor("subscription");
    expect(requests.every((request) => request.authorization === "Bearer sk-ant-oat01-e2e-sub")).toBe(true);
    expect(new Set(requests.map((request) => request.sessionId)).size).toBe(1);
    expect(firstTurnRequests(requests)).toHaveLength(1);
  });
});
