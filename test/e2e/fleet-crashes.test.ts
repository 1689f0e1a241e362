// Issue 16's acceptance: a tree of 1+4 agents on three worker hosts at concurrency 1 each, while
// ten times a random host is lost at a random moment (SIGKILL of its worker and everything its
// agents run, its data dir and HOME deleted) and a fresh host with an empty disk takes its place.
// Every agent finishes with exactly one check run, one pull request and one session (the model
// reads its prompt in one conversation only), and every file is on its branch. Agents keep working
// until the tenth loss, so all ten land on a running tree.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resumeAfterInterruptionMessage } from "../../src/agent/agent-prompt.ts";
import {
  agentNameOf,
  conversationOf,
  conversationsBegun,
  modelTurnsIn,
  spawn,
  waitForAll,
  workRequestsOf,
  writeFile,
} from "../support/agent-scripts.ts";
import { createE2eEnvironment, type E2eEnvironment, e2eOwner, e2eRepo } from "../support/e2e-environment.ts";
import type { RunningFlotilla } from "../support/flotilla-process.ts";
import type { LoopbackBridge } from "../support/host-network.ts";
import { describeRunAgents, runSucceeded } from "../support/run-succeeded.ts";
import type { ModelTurn, ScriptContext } from "../support/scripted-model.ts";
import { waitFor } from "../support/wait-for.ts";
import { openHostBridge, startWorkerHost, type WorkerHost } from "../support/worker-hosts.ts";

let world: E2eEnvironment;
let web: RunningFlotilla;
/** Each host's own network, where this machine allows it. */
let bridge: LoopbackBridge | undefined;

/** Agents pause until the tenth loss, a turn a second or so: well within this many turns. */
const turnLimit = { AGENT_MAX_TURNS: "400" };
const hostEnv = {
  ...turnLimit,
  WORKER_CONCURRENCY: "1",
  WORKER_LOCK_DURATION_MS: "3000",
  WORKER_STALLED_INTERVAL_MS: "1500",
  CHECKPOINT_INTERVAL_SECONDS: "1",
};
const leaves = ["north", "east", "south", "west"];
/** Pauses each agent makes at least; it goes on pausing until every loss has happened. */
const pauses = 3;
const losses = 10;
let lossesDone = false;
/** Every request the model read, and whether the agent's session was in Redis when it arrived. */
const keptAtRead: Promise<{ sessionId: string | undefined; kept: boolean }>[] = [];
/** What the pause command prints (its text does not contain it). */
const woke = "awake";

/**
 * A few pauses, then the agent's own file, then the end. Decided from the conversation only:
 * a worktree on this machine may be one a lost host's agent no longer has.
 */
function pausingWorker(context: ScriptContext, file: string, conversation: string): ModelTurn {
  // A host lost after the Write but before its session was saved again leaves a session without
  // the Write's result and a branch with the file: the CLI then refuses to overwrite a file it
  // has not read, and the file is there already (so asking again would loop to the turn limit).
  const written =
    conversation.includes(`File created successfully at: ${context.cwd}/${file}`) ||
    conversation.includes("has not been read yet. Read it first before writing to it.");
  if (written) {
    return { text: `${agentNameOf(context)} finished ${file}` };
  }
  if (lossesDone && conversation.split(woke).length - 1 >= pauses) {
    return writeFile(context, file, `written by ${agentNameOf(context)}\n`);
  }
  return {
    toolCalls: [
      { name: "Bash", input: { command: "sleep 1 && printf 'a%s\\n' wake", description: "work a while" } },
    ],
    delayMs: 200,
  };
}

/** Looks up the session of the request the model reads now (the gateway saved it before forwarding). */
function noteSessionKept(context: ScriptContext): void {
  const { sessionId } = context.request;
  keptAtRead.push(
    world.redis
      .keys(`${world.prefix}:agent:*:session:${sessionId}`)
      .then((keys) => ({ sessionId, kept: sessionId !== undefined && keys.length === 1 })),
  );
}

function root(context: ScriptContext): ModelTurn {
  noteSessionKept(context);
  const conversation = JSON.stringify(context.request.body.messages);
  const report = conversation.lastIndexOf("Your sub-agents have finished");
  if (report >= 0) return pausingWorker(context, "root.md", conversation.slice(report));
  // Starting a child twice returns the same child: a restarted parent starts them again, then waits.
  if (/Started sub-agent|already started/.test(context.lastUserText)) return waitForAll;
  return spawn(leaves.map((name) => ({ name, task: "[[script:fleet-leaf]] a part of the work" })));
}

function leaf(context: ScriptContext): ModelTurn {
  noteSessionKept(context);
  return pausingWorker(context, `${agentNameOf(context)}.md`, JSON.stringify(context.request.body.messages));
}

beforeAll(async () => {
  world = await createE2eEnvironment("fleet");
  world.model.script("fleet-root", root).script("fleet-leaf", leaf);
  web = await world.startFlotilla({ role: "web", extraEnv: turnLimit });
  bridge = await openHostBridge(world);
});

afterAll(async () => {
  await world?.cleanup();
  await bridge?.close();
});

describe("a fleet of hosts", () => {
  it("finishes a tree of 1+4 agents on three hosts while hosts are lost ten times", async () => {
    const lostWhileRunning: number[] = [];
    let hostCount = 0;
    /** Every host started, lost ones too: their last warnings explain a timeout. */
    const everyHost: WorkerHost[] = [];
    const newHost = async () => {
      hostCount += 1;
      const host = await startWorkerHost(world, `fleet-${hostCount}`, hostEnv, bridge);
      everyHost.push(host);
      return host;
    };
    const hosts: WorkerHost[] = [await newHost(), await newHost(), await newHost()];
    expect((await world.comment(web, "/agents run [[script:fleet-root]] survive lost hosts")).status).toBe(
      200,
    );
    const runId = await waitFor(async () => (await world.store.runIdsForIssue(e2eOwner, e2eRepo, 7))[0], {
      what: "the run",
    });

    for (let loss = 0; loss < losses; loss += 1) {
      const callsBefore = world.model.requests.length;
      // A loss lands while the model is being asked something (the agents pause until the last loss).
      await waitFor(async () => world.model.requests.length > callsBefore || undefined, {
        timeoutMs: 120_000,
        what: `a model call before loss ${loss + 1}`,
        describe: () => describeRunAgents(world.store, runId),
      });
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 3_000));
      // The first loss takes a host that runs an agent, when one does: random ones might all hit
      // idle hosts and prove nothing about resuming.
      const busy = new Set(
        (await world.store.listRunAgents(runId))
          .filter((agent) => agent.state === "running")
          .map((agent) => agent.host),
      );
      const candidates =
        loss === 0 && hosts.some((host) => busy.has(host.name))
          ? hosts.filter((host) => busy.has(host.name))
          : hosts;
      const lost = candidates[Math.floor(Math.random() * candidates.length)];
      if (lost !== undefined) hosts.splice(hosts.indexOf(lost), 1);
      if (lost !== undefined && busy.has(lost.name)) lostWhileRunning.push(loss);
      await lost?.lose();
      hosts.push(await newHost());
    }
    lossesDone = true;

    const agents = await runSucceeded(world.store, runId, 5, 400_000);

    // One check run each, completed; one pull request each (every agent changed a file).
    const checkRunsOf = (agentId: string) =>
      world.github.checkRuns(e2eOwner, e2eRepo).filter((run) => run.external_id === agentId);
    const pullsOf = (branch: string) =>
      world.github.pullRequests(e2eOwner, e2eRepo).filter((pull) => pull.head.ref === branch);
    // A child whose parent merged its work before its own pull request opened gets none (GitHub
    // refuses a pull request without commits): its work is in the parent's.
    const mergedFirst = async (agentId: string) => {
      const latest = await world.store.requireAgent(agentId);
      return latest.closedAsMerged && latest.pullRequestNumber === undefined;
    };
    const hasItsPull = async (agent: (typeof agents)[number]) =>
      pullsOf(agent.branch).length > 0 || (await mergedFirst(agent.id));
    await waitFor(
      async () =>
        (
          await Promise.all(
            agents.map(
              async (agent) => checkRunsOf(agent.id)[0]?.status === "completed" && (await hasItsPull(agent)),
            ),
          )
        ).every(Boolean) || undefined,
      {
        // A lost host may have held a target's write lock: it lapses after the reporter's 60 s.
        timeoutMs: 120_000,
        what: "every check run to complete and every pull request to open",
        describe: () =>
          JSON.stringify([
            agents.map((agent) => [
              agent.name,
              checkRunsOf(agent.id)[0]?.status,
              pullsOf(agent.branch).length,
            ]),
            [web, ...everyHost.map((host) => host.worker)].flatMap((running) =>
              running.logs
                .filter((line) => /"level":(40|50)/.test(line) && !line.includes("not in the price table"))
                .slice(-6),
            ),
          ]),
      },
    );
    for (const agent of agents) {
      expect(checkRunsOf(agent.id)).toHaveLength(1);
      expect(pullsOf(agent.branch)).toHaveLength((await mergedFirst(agent.id)) ? 0 : 1);
    }
    expect(
      world.github
        .comments(e2eOwner, e2eRepo, 7)
        .filter((comment) => comment.body?.includes(`flotilla:run:${runId}`)),
    ).toHaveLength(1);

    // One session per agent over its whole life, never started over.
    const restarted = resumeAfterInterruptionMessage.slice(0, 40);
    const work = world.model.requests.filter((request) => (request.body.tools ?? []).length > 0);
    for (const agent of agents) {
      const own = workRequestsOf(work, agent.branch);
      expect(new Set(own.map((request) => request.sessionId))).toEqual(new Set([agent.sessionId]));
      // Its conversation starts from its prompt: no turn of the model came before its first
      // request (the CLI's own notes, such as an API error when its worker died, may).
      expect(modelTurnsIn(own[0]), `${agent.name}'s first request:\n${conversationOf(own[0])}`).toBe(0);
      // The model read its prompt in one conversation: a host lost after the model read it resumes
      // the kept session; only one lost before any call was forwarded starts the agent again.
      expect(conversationsBegun(own), `${agent.name}'s conversations`).toBe(1);
    }
    // The model read nothing of a session that was not yet kept in Redis.
    const reads = await Promise.all(keptAtRead);
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.filter((read) => !read.kept)).toEqual([]);
    // Every loss happened, and hosts were lost under running agents, which resumed elsewhere.
    expect(everyHost).toHaveLength(3 + losses);
    expect(lostWhileRunning.length).toBeGreaterThan(0);
    expect(work.some((request) => JSON.stringify(request.body.messages.at(-1)).includes(restarted))).toBe(
      true,
    );

    for (const agent of agents) {
      const file = agent.parentId === undefined ? "root.md" : `${agent.name}.md`;
      expect(await world.remote.readFile(agent.branch, file)).toBe(`written by ${agent.name}\n`);
    }
    for (const host of hosts) await host.stop();
  }, 600_000);
});
