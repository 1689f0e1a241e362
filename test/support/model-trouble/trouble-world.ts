// One world for the model trouble scenarios: the e2e environment, one Flotilla process at
// WORKER_CONCURRENCY=1 holding the model credential in one style (credential-style.ts), and what
// the scenarios look at: check runs and their history, the agents of a run, each agent's requests,
// the errors the scripted model answered and what /metrics counted of them.
import { expect } from "vitest";
import type { UpstreamTroubleKind } from "../../../src/gateway/upstream-trouble.ts";
import { createE2eEnvironment, type E2eEnvironment, e2eOwner, e2eRepo } from "../e2e-environment.ts";
import type { RunningFlotilla } from "../flotilla-process.ts";
import { scrapeMetrics } from "../prometheus.ts";
import type { HttpError, RecordedRequest } from "../scripted-model.ts";
import type { CredentialStyle } from "./credential-style.ts";

export interface TroubleWorld {
  world: E2eEnvironment;
  flotilla: RunningFlotilla;
  style: CredentialStyle;
}

export type ErrorCounts = Record<UpstreamTroubleKind, number>;

const kinds: UpstreamTroubleKind[] = [
  "rate_limited",
  "overloaded",
  "server_error",
  "unreachable",
  "prompt_too_long",
];

export async function startTroubleWorld(
  name: string,
  makeStyle: (upstreamKey: string) => CredentialStyle,
): Promise<TroubleWorld> {
  const world = await createE2eEnvironment(name);
  const style = makeStyle(world.upstreamKey);
  // One slot: an agent that kept its slot while parked would stop every other agent.
  const flotilla = await world.startFlotilla({ extraEnv: { WORKER_CONCURRENCY: "1", ...style.flotillaEnv } });
  return { world, flotilla, style };
}

/** `14:05 UTC`, rounded up to the minute (as Flotilla shows a resume time). */
export function utcMinute(at: number): string {
  const minute = new Date(Math.ceil(at / 60_000) * 60_000);
  return `${String(minute.getUTCHours()).padStart(2, "0")}:${String(minute.getUTCMinutes()).padStart(2, "0")} UTC`;
}

export function checkRunNamed(trouble: TroubleWorld, prefix: string) {
  return trouble.world.github
    .checkRuns(e2eOwner, e2eRepo)
    .find((run) => run.name.startsWith(`agent: ${prefix}`));
}

/** Everything a check run ever said, as one text. */
export function historyText(trouble: TroubleWorld, checkRunId: number): string {
  return JSON.stringify(trouble.world.github.checkRunHistory(checkRunId));
}

/** The agents of the run whose top-level task runs `script`. */
export async function agentsOfRun(trouble: TroubleWorld, script: string) {
  const { store } = trouble.world;
  for (const runId of await store.runIdsForIssue(e2eOwner, e2eRepo, 7)) {
    const agents = await store.listRunAgents(runId);
    if (agents.some((agent) => agent.parentId === undefined && agent.task.includes(`[[script:${script}]]`)))
      return agents;
  }
  return [];
}

/** The requests of the agent named `name` (its prompt says who it is), answered or not. */
export function requestsOfAgent(trouble: TroubleWorld, name: string): RecordedRequest[] {
  return trouble.world.model.requests.filter((request) =>
    JSON.stringify(request.body.messages.find((message) => message.role === "user")?.content).includes(
      `You are \\"${name}\\"`,
    ),
  );
}

/** Requests that open a conversation: the model has not answered anything in them yet. */
export function firstTurnRequests(requests: RecordedRequest[]): RecordedRequest[] {
  return requests.filter((request) => !request.body.messages.some((message) => message.role === "assistant"));
}

export function wasAnswered(trouble: TroubleWorld, request: RecordedRequest): boolean {
  return !trouble.world.model.errorsAnswered.some((refused) => refused.request === request);
}

/** Where a scenario starts counting: what /metrics says and how many errors the model answered. */
export interface ErrorTally {
  counted: ErrorCounts;
  answered: number;
}

export async function errorTally(trouble: TroubleWorld): Promise<ErrorTally> {
  return { counted: await countedErrors(trouble), answered: trouble.world.model.errorsAnswered.length };
}

/**
 * Checks that /metrics counted, by kind, exactly the errors the model answered since `since`
 * (each of them passed through the gateway once), and returns those counts.
 */
export async function expectErrorsCounted(trouble: TroubleWorld, since: ErrorTally): Promise<ErrorCounts> {
  const answered = zeroCounts();
  for (const { error } of trouble.world.model.errorsAnswered.slice(since.answered))
    answered[kindOf(error)] += 1;
  const now = await countedErrors(trouble);
  const counted = zeroCounts();
  for (const kind of kinds) counted[kind] = now[kind] - since.counted[kind];
  expect(counted).toEqual(answered);
  return counted;
}

/** Every request the model received carried the credential of the world's style, and only it. */
export function expectStyleCredentialOnEveryRequest(trouble: TroubleWorld): void {
  const { model } = trouble.world;
  const all = [...model.requests, ...model.countRequests];
  expect(all.length).toBeGreaterThan(0);
  const problems = all
    .map((request) => trouble.style.credentialProblem(request))
    .filter((problem) => problem !== undefined);
  expect(problems, `requests without the ${trouble.style.name} credential`).toEqual([]);
}

async function countedErrors(trouble: TroubleWorld): Promise<ErrorCounts> {
  const samples = await scrapeMetrics(`${trouble.flotilla.opsUrl}/metrics`);
  const counts = zeroCounts();
  for (const kind of kinds)
    counts[kind] = samples.get(`flotilla_model_upstream_errors_total{kind="${kind}"}`) ?? 0;
  return counts;
}

/** The kind the gateway must give an error the scripted model answered (upstream-trouble.ts). */
function kindOf(error: HttpError): UpstreamTroubleKind {
  if (error.dropConnection === true) return "unreachable";
  if (error.status === 429) return "rate_limited";
  if (error.status === 529) return "overloaded";
  if (error.status >= 500) return "server_error";
  if (error.status === 400 && /prompt is too long/.test(error.message ?? "")) return "prompt_too_long";
  throw new Error(`the scripted model answered ${error.status}, which no scenario here uses`);
}

function zeroCounts(): ErrorCounts {
  return { rate_limited: 0, overloaded: 0, server_error: 0, unreachable: 0, prompt_too_long: 0 };
}
