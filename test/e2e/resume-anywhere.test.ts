// Issue 16, resume anywhere: hosts with disks of their own (test/support/worker-hosts.ts). An
// agent whose host dies, disk and all, while it runs, and a parent whose host dies while it
// waits for its sub-agent, resume on another host with an empty data dir: mirror fetched,
// worktree restored from the branch its checkpoints pushed, the CLI session restored from Redis,
// in the same session and at the same cwd. An agent whose host dies while it pushes its final
// work is finished by another host from what was recorded, without running it again.
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import {
  restartWithoutSessionMessage,
  resumeAfterInterruptionMessage,
} from "../../src/agent/agent-prompt.ts";
import { worktreeInSandbox } from "../../src/agent/agent-sandbox.ts";
import { createKeySpace } from "../../src/store/keys.ts";
import { SessionArchive } from "../../src/store/session-archive.ts";
import { spawn, waitForAll, writeFile } from "../support/agent-scripts.ts";
import { createE2eEnvironment, type E2eEnvironment, e2eOwner, e2eRepo } from "../support/e2e-environment.ts";
import type { RunningFlotilla } from "../support/flotilla-process.ts";
import type { LoopbackBridge } from "../support/host-network.ts";
import { runSucceeded } from "../support/run-succeeded.ts";
import type { ModelTurn, RecordedRequest, ScriptContext } from "../support/scripted-model.ts";
import { waitFor } from "../support/wait-for.ts";
import { openHostBridge, startWorkerHost } from "../support/worker-hosts.ts";

let world: E2eEnvironment;
let web: RunningFlotilla;
/** Each host's own network, where this machine allows it. */
let bridge: LoopbackBridge | undefined;
let sessions: SessionArchive;

const hostEnv = {
  WORKER_CONCURRENCY: "1",
  WORKER_LOCK_DURATION_MS: "3000",
  WORKER_STALLED_INTERVAL_MS: "1500",
  CHECKPOINT_INTERVAL_SECONDS: "1",
};

/** The words the resumed session's message starts with. */
const restarted = resumeAfterInterruptionMessage.slice(0, 40);
/** A command still running when its host dies. */
const longSleep = "sleep 600";

/** Everything the request holds (its conversation so far), as text. */
function conversationOf(context: ScriptContext): string {
  return JSON.stringify(context.request.body.messages);
}

function bash(command: string): ModelTurn {
  return { toolCalls: [{ name: "Bash", input: { command, description: "run a command" } }] };
}

/** Writes before.md, then runs until its host dies; resumed, reads it back and writes after.md. */
function mover(context: ScriptContext): ModelTurn {
  const conversation = conversationOf(context);
  if (!conversation.includes(restarted)) {
    return context.step === 0 ? writeFile(context, "before.md", "before the move\n") : bash(longSleep);
  }
  if (!conversation.includes("cat before.md")) return bash("pwd && cat before.md");
  if (!conversation.includes("after.md")) return writeFile(context, "after.md", "after the move\n");
  return { text: "Moved to another host and finished." };
}

/** Writes its own file, starts one sub-agent, waits; told it finished, reads its file back and ends. */
function waitingParent(context: ScriptContext): ModelTurn {
  const conversation = conversationOf(context);
  if (conversation.includes("Your sub-agents have finished")) {
    if (!conversation.includes("cat parent-before.md")) return bash("pwd && cat parent-before.md");
    if (!conversation.includes("parent-after.md"))
      return writeFile(context, "parent-after.md", "parent, after its child\n");
    return { text: "Parent finished after its child." };
  }
  if (context.step === 0) return writeFile(context, "parent-before.md", "parent, before waiting\n");
  if (/Started sub-agent|already started/.test(context.lastUserText)) return waitForAll;
  return spawn([{ name: "child", task: "[[script:moved-child]] a piece of the work" }]);
}

/** Runs until its host dies; resumed elsewhere, writes its file and ends. */
function movedChild(context: ScriptContext): ModelTurn {
  const conversation = conversationOf(context);
  if (!conversation.includes(restarted)) return bash(longSleep);
  if (!conversation.includes("child.md")) return writeFile(context, "child.md", "child, after the move\n");
  return { text: "Child finished on another host." };
}

/** Runs until its host dies; started again without its conversation, finds its file and ends. */
function startedAgain(context: ScriptContext): ModelTurn {
  const conversation = conversationOf(context);
  if (!conversation.includes(restartWithoutSessionMessage)) {
    return context.step === 0 ? writeFile(context, "first-life.md", "before the loss\n") : bash(longSleep);
  }
  if (!conversation.includes("cat first-life.md")) return bash("cat first-life.md");
  return { text: "Started again and found my work." };
}

/** Releases the pushes held while an agent finishes (set by `finisher`). */
let releasePushes: (() => void) | undefined;

/**
 * Writes finish.md and, once its host has pushed it, late.md, then gives its final answer. From
 * late.md on, its host's pushes fail while the agent runs (so its exit's checkpoint fails, and
 * the finish commits and pushes late.md itself) and are held once it is finishing: its host is
 * caught finishing (pushing its branch before the pull request).
 */
function finisher(context: ScriptContext): ModelTurn {
  if (context.step === 0) return writeFile(context, "finish.md", "finished across hosts\n");
  if (context.step > 1) return { text: "Wrote finish.md." };
  const branch = /on branch `([^`]+)`/.exec(context.prompt)?.[1] ?? "";
  const pushed = waitFor(
    async () => (await world.remote.readFile(branch, "finish.md")) !== undefined || undefined,
    {
      timeoutMs: 60_000,
      what: "finish.md on the branch",
    },
  );
  // agents/<run>/<agent>
  const runId = branch.split("/")[1] ?? "";
  const finishing = async () =>
    (await world.store.listRunAgents(runId)).some(
      (agent) => agent.branch === branch && agent.state === "finishing",
    );
  return {
    ...writeFile(context, "late.md", "written after the last push\n"),
    holdUntil: pushed.then(() => {
      releasePushes = world.gitServer.holdPushes(async () => ((await finishing()) ? "hold" : "fail"));
    }),
  };
}

beforeAll(async () => {
  world = await createE2eEnvironment("anywhere");
  world.model
    .script("mover", mover)
    .script("waiting-parent", waitingParent)
    .script("moved-child", movedChild)
    .script("finisher", finisher)
    .script("started-again", startedAgain);
  sessions = new SessionArchive(world.redis, createKeySpace(world.prefix));
  web = await world.startFlotilla({ role: "web" });
  bridge = await openHostBridge(world);
});

afterAll(async () => {
  await world?.cleanup();
  await bridge?.close();
});

async function runFor(comment: string): Promise<string> {
  const issueNumber = world.github.addIssue({ owner: e2eOwner, repo: e2eRepo, title: comment });
  expect((await world.comment(web, comment, { issueNumber, isPullRequest: false })).status).toBe(200);
  return waitFor(async () => (await world.store.runIdsForIssue(e2eOwner, e2eRepo, issueNumber))[0], {
    what: "the run",
  });
}

/** The run's first agent (undefined name), or its sub-agent of that name. */
async function agentOf(runId: string, name?: string) {
  return waitFor(
    async () =>
      (await world.store.listRunAgents(runId)).find((agent) =>
        name === undefined ? agent.parentId === undefined : agent.name === name,
      ),
    { what: `agent ${name ?? "at the root"}` },
  );
}

/** Waits until the copy of the agent's session in Redis holds `text`. */
async function sessionSavedWith(agentId: string, sessionId: string, text: string): Promise<void> {
  await waitFor(async () => (await sessions.load(agentId, sessionId))?.toString("utf8").includes(text), {
    timeoutMs: 60_000,
    what: `the saved session of ${agentId} to hold ${text}`,
  });
}

/** The requests an agent's CLI sent for its work (side requests offer no tools). */
function workRequests(script: string): RecordedRequest[] {
  return world.model.requestsFor(script).filter((request) => (request.body.tools ?? []).length > 0);
}

/** One session over the agent's whole life, its first request sent once, and the resumed request. */
function expectOneSession(script: string, sessionId: string): RecordedRequest {
  const requests = workRequests(script);
  expect(new Set(requests.map((request) => request.sessionId))).toEqual(new Set([sessionId]));
  const firstRequests = requests.filter(
    (request) => !request.body.messages.some((m) => m.role === "assistant"),
  );
  expect(firstRequests).toHaveLength(1);
  const resumed = requests.find((request) => JSON.stringify(request.body.messages).includes(restarted));
  if (resumed === undefined) throw new Error(`${script}: no request resumed the session`);
  return resumed;
}

/** The output of the `pwd && cat …` the resumed agent ran, as its next request carries it. */
function toolOutputAfter(script: string, command: string): string {
  const request = workRequests(script).find((candidate) => {
    const last = JSON.stringify(candidate.body.messages.at(-1));
    return last.includes("tool_result") && JSON.stringify(candidate.body.messages.at(-2)).includes(command);
  });
  return JSON.stringify(request?.body.messages.at(-1) ?? "");
}

/** Waits for the pull requests of these branches (the reporter opens them after the agents end): one each. */
async function pullRequestsOpened(branches: string[]): Promise<void> {
  const pullsOf = (branch: string) =>
    world.github.pullRequests(e2eOwner, e2eRepo).filter((pull) => pull.head.ref === branch);
  await waitFor(() => branches.every((branch) => pullsOf(branch).length > 0) || undefined, {
    what: "a pull request for each agent",
  });
  for (const branch of branches) expect(pullsOf(branch)).toHaveLength(1);
}

describe("resume anywhere", () => {
  it("moves a running agent to a host with an empty data dir, in the same session at the same cwd", async () => {
    const hostA = await startWorkerHost(world, "host-a", hostEnv, bridge);
    // A host of its own network: its listeners are out of everyone else's reach.
    if (bridge !== undefined) await expect(fetch(`${hostA.worker.opsUrl}/healthz`)).rejects.toThrow();
    const runId = await runFor("/agents run [[script:mover]] move between hosts");
    const before = await agentOf(runId);
    // Host A has checkpointed the agent's uncommitted file and saved its session mid-command.
    await waitFor(
      async () => (await world.remote.readFile(before.branch, "before.md")) === "before the move\n",
      {
        timeoutMs: 60_000,
        what: "before.md on the agent's branch",
      },
    );
    await sessionSavedWith(before.id, before.sessionId, longSleep);
    expect((await world.store.requireAgent(before.id)).host).toBe("host-a");

    await hostA.lose();
    expect(existsSync(hostA.dataDir)).toBe(false);
    const hostB = await startWorkerHost(world, "host-b", hostEnv, bridge);

    const [agent] = await runSucceeded(world.store, runId, 1, 240_000);
    expect(agent?.host).toBe("host-b");
    expect(agent?.sessionId).toBe(before.sessionId);
    expect(hostB.worker.logs.some((line) => line.includes('"origin":"restored"'))).toBe(true);

    // Host B resumed the conversation host A had: the model saw its earlier turns (the CLI drops
    // the command its host died in, which never answered).
    const resumed = expectOneSession("mover", before.sessionId);
    const conversation = JSON.stringify(resumed.body.messages);
    expect(conversation).toContain(`"file_path":"${worktreeInSandbox}/before.md"`);
    expect(conversation).toContain("File created successfully");
    // At the same cwd, where the worktree restored from the branch is.
    const output = toolOutputAfter("mover", "cat before.md");
    expect(output).toContain(worktreeInSandbox);
    expect(output).toContain("before the move");
    // The session, as saved by both hosts, records one cwd: the same path on both.
    const saved = (await sessions.load(before.id, before.sessionId))?.toString("utf8") ?? "";
    expect(new Set([...saved.matchAll(/"cwd":"([^"]*)"/g)].map((match) => match[1]))).toEqual(
      new Set([worktreeInSandbox]),
    );
    expect(saved).toContain("after the move");

    await pullRequestsOpened([before.branch]);
    expect(await world.remote.readFile(before.branch, "before.md")).toBe("before the move\n");
    expect(await world.remote.readFile(before.branch, "after.md")).toBe("after the move\n");
    await hostB.stop();
  }, 400_000);

  it("starts an agent again in its own session id when no copy of its conversation survived", async () => {
    const hostA = await startWorkerHost(world, "host-g", hostEnv, bridge);
    const runId = await runFor("/agents run [[script:started-again]] lose the conversation");
    const before = await agentOf(runId);
    await waitFor(
      async () => (await world.remote.readFile(before.branch, "first-life.md")) === "before the loss\n",
      { timeoutMs: 60_000, what: "first-life.md on the agent's branch" },
    );
    await sessionSavedWith(before.id, before.sessionId, longSleep);
    await hostA.lose();
    // As if the host had been lost before its first save: the session was started, no copy is left.
    await world.redis.del(createKeySpace(world.prefix).agentSession(before.id, before.sessionId));
    const hostB = await startWorkerHost(world, "host-h", hostEnv, bridge);

    const [agent] = await runSucceeded(world.store, runId, 1, 240_000);
    expect(agent?.sessionId).toBe(before.sessionId);
    const requests = workRequests("started-again");
    expect(new Set(requests.map((request) => request.sessionId))).toEqual(new Set([before.sessionId]));
    // Host H started the conversation again: the prompt, word of the restart, and no earlier turn.
    const again = requests.find((request) =>
      JSON.stringify(request.body.messages).includes(restartWithoutSessionMessage),
    );
    if (again === undefined) throw new Error("no request started the session again");
    expect(again.body.messages.some((m) => m.role === "assistant")).toBe(false);
    expect(JSON.stringify(again.body.messages)).toContain("lose the conversation");
    // Its work came back from the branch.
    expect(toolOutputAfter("started-again", "cat first-life.md")).toContain("before the loss");
    await pullRequestsOpened([before.branch]);
    await hostB.stop();
  }, 400_000);

  it("finishes on another host an agent whose host was lost while it finished", async () => {
    const hostA = await startWorkerHost(world, "host-e", hostEnv, bridge);
    // Whatever happens, the next test's pushes are not held and this test's hosts are gone.
    onTestFinished(async () => {
      releasePushes?.();
      await hostA.lose();
    });
    const runId = await runFor("/agents run [[script:finisher]] finish across hosts");
    const agent = await agentOf(runId);
    await waitFor(
      async () =>
        (await world.store.requireAgent(agent.id)).state === "finishing" && world.gitServer.heldPushes > 0,
      {
        timeoutMs: 60_000,
        what: "the agent's host to be pushing its final work",
        describe: async () =>
          `${JSON.stringify(await world.store.requireAgent(agent.id))}; held pushes: ${world.gitServer.heldPushes}`,
      },
    );
    await hostA.lose();
    releasePushes?.();
    const hostB = await startWorkerHost(world, "host-f", hostEnv, bridge);
    onTestFinished(() => hostB.stop());

    const [finished] = await runSucceeded(world.store, runId, 1, 240_000);
    expect(finished?.host).toBe("host-f");
    // Host F finished it from what was recorded: the agent was not run again.
    expect(workRequests("finisher")).toHaveLength(3);
    await pullRequestsOpened([agent.branch]);
    expect(
      world.github.checkRuns(e2eOwner, e2eRepo).filter((run) => run.external_id === agent.id),
    ).toHaveLength(1);
    expect(await world.remote.readFile(agent.branch, "finish.md")).toBe("finished across hosts\n");
  }, 400_000);

  it("resumes a parent that waited on a lost host where its sub-agent finished", async () => {
    const hostA = await startWorkerHost(world, "host-c", hostEnv, bridge);
    const runId = await runFor("/agents run [[script:waiting-parent]] wait across hosts");
    const parent = await agentOf(runId);
    const child = await agentOf(runId, "child");
    await waitFor(async () => (await world.store.requireAgent(parent.id)).state === "waiting", {
      timeoutMs: 60_000,
      what: "the parent to wait for its sub-agent",
    });
    await sessionSavedWith(parent.id, parent.sessionId, "wait_for_agents");
    await sessionSavedWith(child.id, child.sessionId, longSleep);
    expect((await world.store.requireAgent(child.id)).host).toBe("host-c");

    await hostA.lose();
    const hostB = await startWorkerHost(world, "host-d", hostEnv, bridge);

    const agents = await runSucceeded(world.store, runId, 2, 240_000);
    for (const agent of agents) expect(agent.host).toBe("host-d");
    expect(agents.find((agent) => agent.id === parent.id)?.sessionId).toBe(parent.sessionId);
    expect(agents.find((agent) => agent.id === child.id)?.sessionId).toBe(child.sessionId);
    expectOneSession("moved-child", child.sessionId);

    // The parent's session went on where host C left it: its report arrived after its spawn.
    const parentRequests = workRequests("waiting-parent");
    expect(new Set(parentRequests.map((request) => request.sessionId))).toEqual(new Set([parent.sessionId]));
    const report = parentRequests.find((request) =>
      JSON.stringify(request.body.messages.at(-1)).includes("Your sub-agents have finished"),
    );
    expect(JSON.stringify(report?.body.messages)).toContain("spawn_agent");
    const output = toolOutputAfter("waiting-parent", "cat parent-before.md");
    expect(output).toContain(worktreeInSandbox);
    expect(output).toContain("parent, before waiting");

    await pullRequestsOpened(agents.map((agent) => agent.branch));
    expect(await world.remote.readFile(child.branch, "child.md")).toBe("child, after the move\n");
    expect(await world.remote.readFile(parent.branch, "parent-before.md")).toBe("parent, before waiting\n");
    expect(await world.remote.readFile(parent.branch, "parent-after.md")).toBe("parent, after its child\n");
    await hostB.stop();
  }, 400_000);
});
