// Writes one report target to GitHub from the current records: renders it, then creates or
// updates the GitHub object. Creation is always preceded by a lookup (stored id, external_id,
// marker or head branch), so no object is ever created twice for the same agent or run.
import {
  type CheckRunContent,
  createCheckRun,
  findCheckRunByExternalId,
  updateCheckRun,
} from "../github/check-runs.ts";
import type { GitHubClient } from "../github/github-app.ts";
import {
  createIssueComment,
  findIssueCommentWithMarker,
  updateIssueComment,
} from "../github/issue-comments.ts";
import { createPullRequest, findPullRequestByHead, updatePullRequest } from "../github/pull-requests.ts";
import { type AgentRecord, isTerminal, type RunRecord } from "../store/records.ts";
import type { RunStore } from "../store/run-store.ts";
import type { ReportTarget } from "./report-targets.ts";
import { renderCheckRun } from "./views/check-run-view.ts";
import { renderPullRequest } from "./views/pull-request-view.ts";
import { renderTrackingComment, trackingCommentMarker } from "./views/tracking-comment-view.ts";
import type { WritePriority } from "./write-limiter.ts";

export interface Links {
  agentPage(agent: AgentRecord): string | undefined;
  runPage(run: RunRecord): string | undefined;
}

/** A write ready to go: what it touches, how urgent it is, and how to perform it. */
export interface PreparedWrite {
  installationId: number;
  priority: WritePriority;
  perform(client: GitHubClient): Promise<WriteEffect>;
}

/** What a write changed that other targets show (a new PR number shows in the check run). */
export interface WriteEffect {
  alsoDirty: ReportTarget[];
}

const noEffect: WriteEffect = { alsoDirty: [] };
const resultExcerptChars = 3_000;

/** Returns undefined when there is nothing to write (the records are gone, or no PR is due). */
export async function prepareWrite(
  store: RunStore,
  target: ReportTarget,
  links: Links,
  repoOf: (run: RunRecord) => { owner: string; repo: string } = (run) => ({
    owner: run.owner,
    repo: run.repo,
  }),
): Promise<PreparedWrite | undefined> {
  if (target.kind === "comment") {
    const run = await store.getRun(target.runId);
    if (run === undefined) return undefined;
    const agents = await store.listRunAgents(run.id);
    const body = renderTrackingComment({
      run,
      agents,
      checkRunUrl: (agent) => checkRunUrl(run, agent),
      runPageUrl: links.runPage(run),
      queuedNote: queuedBehindRepositoryLimit(run, agents),
    });
    const final = run.trackingCommentId === undefined || agents.every((agent) => isTerminal(agent.state));
    return {
      installationId: run.installationId,
      priority: final ? "final" : "progress",
      perform: async (client) => {
        const repository = repoOf(run);
        const marker = trackingCommentMarker(run.id);
        const knownId =
          run.trackingCommentId ??
          (await findIssueCommentWithMarker(client, repository, run.issueNumber, marker));
        if (knownId === undefined) {
          const created = await createIssueComment(client, repository, run.issueNumber, body);
          await store.updateRun(run.id, { trackingCommentId: created.id });
        } else {
          await updateIssueComment(client, repository, knownId, body);
          if (run.trackingCommentId === undefined)
            await store.updateRun(run.id, { trackingCommentId: knownId });
        }
        return noEffect;
      },
    };
  }

  const agent = await store.getAgent(target.agentId);
  if (agent === undefined) return undefined;
  const run = await store.getRun(agent.runId);
  if (run === undefined) return undefined;
  const repository = repoOf(run);

  if (target.kind === "check") {
    const agents = await store.listRunAgents(run.id);
    const result = isTerminal(agent.state)
      ? await store.readResult(agent.id, 0, resultExcerptChars)
      : undefined;
    const content: CheckRunContent = renderCheckRun({
      run,
      agent,
      agentsById: new Map(agents.map((other) => [other.id, other])),
      resultExcerpt: result === undefined ? undefined : excerpt(result.text, result.totalChars),
      detailsUrl: links.agentPage(agent),
    });
    const final = agent.checkRunId === undefined || isTerminal(agent.state);
    return {
      installationId: run.installationId,
      priority: final ? "final" : "progress",
      perform: async (client) => {
        const knownId =
          agent.checkRunId ??
          (await findCheckRunByExternalId(client, repository, run.headSha, content.name, agent.id));
        if (knownId === undefined) {
          const id = await createCheckRun(client, repository, content);
          await store.updateAgent(agent.id, { checkRunId: id });
          return { alsoDirty: [{ kind: "comment", runId: run.id }] };
        }
        await updateCheckRun(client, repository, knownId, content);
        if (agent.checkRunId === undefined) await store.updateAgent(agent.id, { checkRunId: knownId });
        return noEffect;
      },
    };
  }

  if (!isTerminal(agent.state) || !agent.hasChanges || agent.pushedSha === undefined) return undefined;
  const parent = agent.parentId === undefined ? undefined : await store.getAgent(agent.parentId);
  const summary = (await store.readResult(agent.id, 0, 20_000))?.text ?? "";
  const content = renderPullRequest({ run, agent, base: parent?.branch ?? run.baseBranch, summary });
  return {
    installationId: run.installationId,
    priority: "final",
    perform: async (client) => {
      if (agent.pullRequestNumber !== undefined) {
        await updatePullRequest(client, repository, agent.pullRequestNumber, content);
        return noEffect;
      }
      const pull =
        (await findPullRequestByHead(client, repository, agent.branch)) ??
        (await createPullRequest(client, repository, content));
      await store.updateAgent(agent.id, { pullRequestNumber: pull.number, pullRequestUrl: pull.url });
      return {
        alsoDirty: [
          { kind: "check", agentId: agent.id },
          { kind: "comment", runId: run.id },
          ...(agent.parentId === undefined ? [] : [{ kind: "check" as const, agentId: agent.parentId }]),
        ],
      };
    },
  };
}

function checkRunUrl(run: RunRecord, agent: AgentRecord): string | undefined {
  if (agent.checkRunId === undefined) return undefined;
  return `https://github.com/${run.owner}/${run.repo}/runs/${agent.checkRunId}`;
}

function excerpt(text: string, totalChars: number): string {
  return totalChars > text.length
    ? `${text}\n\n… (${totalChars.toLocaleString("en-US")} characters in all)`
    : text;
}

/** Said in the tracking comment while agents of the run wait for a free slot of the repository. */
function queuedBehindRepositoryLimit(run: RunRecord, agents: readonly AgentRecord[]): string | undefined {
  const queued = agents.filter((agent) => agent.slotWaitSince !== undefined && !isTerminal(agent.state));
  const limit = run.limits.maxConcurrentInRepository;
  if (queued.length === 0 || limit === undefined) return undefined;
  const who = queued.length === 1 ? `\`${queued[0]?.name}\` is` : `${queued.length} agents are`;
  return `⏳ ${who} queued: ${run.owner}/${run.repo} runs at most ${limit} agent${limit === 1 ? "" : "s"} at once (\`limits.max_concurrent_agents\` in \`.github/agents.yml\`), so ${queued.length === 1 ? "it starts" : "they start"} when others end.`;
}
