// Writes one report target to GitHub from the current records: renders it, then creates or
// updates the GitHub object. Creation is always preceded by a lookup (stored id, external_id,
// marker or head branch), so no object is ever created twice for the same agent or run.
import type { CheckRunContent } from "../github/check-runs.ts";
import {
  createIssueComment,
  findIssueCommentWithMarker,
  updateIssueComment,
} from "../github/issue-comments.ts";
import { createPullRequest, findPullRequestByHead, updatePullRequest } from "../github/pull-requests.ts";
import { holdsEveryItem } from "../store/integration-state.ts";
import { type AgentRecord, isTerminal, type RunRecord } from "../store/records.ts";
import type { RunStore } from "../store/run-store.ts";
import { closeMergedChild } from "./close-merged-child.ts";
import type { Outbox } from "./outbox.ts";
import { noEffect, type PreparedWrite } from "./prepared-write.ts";
import type { ReportTarget } from "./report-targets.ts";
import { renderCheckRun } from "./views/check-run-view.ts";
import { mergedChildNote } from "./views/merged-child-note.ts";
import { renderPullRequest, type StackPlace } from "./views/pull-request-view.ts";
import { renderTrackingComment, trackingCommentMarker } from "./views/tracking-comment-view.ts";
import { hasOwnCheckRun, writeCheckRun } from "./write-check-run.ts";
import { prepareReactionWrite, prepareReplyWrite } from "./write-outbox.ts";

export interface Links {
  agentPage(agent: AgentRecord): string | undefined;
  runPage(run: RunRecord): string | undefined;
}

/** More than a check run can hold: the view cuts it to GitHub's limit, with a link to the rest. */
const resultExcerptChars = 70_000;

export interface WriteSources {
  store: RunStore;
  outbox: Outbox;
  links: Links;
}

/** Returns undefined when there is nothing to write (the records are gone, or no PR is due). */
export async function prepareWrite(
  sources: WriteSources,
  target: ReportTarget,
): Promise<PreparedWrite | undefined> {
  switch (target.kind) {
    case "reply":
      return prepareReplyWrite(sources.outbox, target.deliveryId);
    case "reaction":
      return prepareReactionWrite(sources.outbox, target.deliveryId);
    case "comment":
      return prepareTrackingComment(sources, target.runId);
    default:
      return prepareAgentWrite(sources, target.kind, target.agentId);
  }
}

async function prepareTrackingComment(
  { store, links }: WriteSources,
  runId: string,
): Promise<PreparedWrite | undefined> {
  const run = await store.getRun(runId);
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
    perform: async (client, claim) => {
      const repository = { owner: run.owner, repo: run.repo };
      const knownId =
        run.trackingCommentId ??
        (await findIssueCommentWithMarker(
          client,
          repository,
          run.issueNumber,
          trackingCommentMarker(run.id),
        ));
      await claim();
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

async function prepareAgentWrite(
  { store, links }: WriteSources,
  kind: "check" | "pull",
  agentId: string,
): Promise<PreparedWrite | undefined> {
  const agent = await store.getAgent(agentId);
  if (agent === undefined) return undefined;
  const run = await store.getRun(agent.runId);
  if (run === undefined) return undefined;
  const repository = { owner: run.owner, repo: run.repo };

  if (kind === "check") {
    const agents = await store.listRunAgents(run.id);
    const result = isTerminal(agent.state)
      ? await store.readResult(agent.id, 0, resultExcerptChars)
      : undefined;
    const content: CheckRunContent = renderCheckRun({
      run,
      agent,
      agentsById: new Map(agents.map((other) => [other.id, other])),
      resultExcerpt: result?.text,
      detailsUrl: links.agentPage(agent),
    });
    // A new check run (first, or for a retry or continue) is as urgent as a final state.
    const final = !hasOwnCheckRun(agent) || isTerminal(agent.state);
    return {
      installationId: run.installationId,
      priority: final ? "final" : "progress",
      perform: (client, claim) => writeCheckRun({ store, run, agent, content }, client, claim),
    };
  }

  if (!isTerminal(agent.state) || !agent.hasChanges || agent.pushedSha === undefined) return undefined;
  // Its work went into its parent's pull request before it had one of its own (below).
  if (agent.closedAsMerged && agent.pullRequestNumber === undefined) return undefined;
  const parent = agent.parentId === undefined ? undefined : await store.getAgent(agent.parentId);
  // `--stack`: the root's branch is the top item's, so it opens none; an item's is due once the
  // root moved its branch to its place in the chain (worker/stack-children.ts), or its base is wrong.
  const stacked = run.stack && (agent.role === "integrator" || parent?.role === "integrator");
  if (stacked && (agent.role === "integrator" || agent.stackBase === undefined)) return undefined;
  const stack = stacked && parent !== undefined ? await stackPlaceOf(store, parent, agent) : undefined;
  const summary = (await store.readResult(agent.id, 0, resultExcerptChars))?.text ?? "";
  const children = await store.listChildren(agent.id);
  const content = renderPullRequest({
    run,
    agent,
    base: agent.stackBase ?? parent?.branch ?? run.baseBranch,
    summary,
    agentPageUrl: links.agentPage(agent),
    children: children.map((child) => ({
      agent: child,
      merge: agent.childMerges.find((merge) => merge.childId === child.id),
    })),
    ...(stack === undefined ? {} : { stack: stack.place }),
  });
  const closingNote = mergedChildNote(run, agent, parent);
  // Children whose pull requests close as merged once this one exists to point at.
  const mergedChildren: ReportTarget[] = children
    .filter((child) => !child.closedAsMerged && isMergedInto(agent, child.id))
    .map((child) => ({ kind: "pull", agentId: child.id }));
  return {
    installationId: run.installationId,
    priority: "final",
    perform: async (client, claim) => {
      let number = agent.pullRequestNumber;
      if (number !== undefined) {
        await claim();
        await updatePullRequest(client, repository, number, content);
      } else {
        let pull = await findPullRequestByHead(client, repository, agent.branch);
        if (pull === undefined && !stacked && parent !== undefined && isMergedInto(parent, agent.id)) {
          // Its parent merged its work (and may have pushed it) before this pull request was
          // opened: GitHub refuses one with no commits between base and head, and its work is in
          // the parent's pull request, which lists it as merged. So it gets none.
          await store.updateAgent(agent.id, { closedAsMerged: true });
          return {
            alsoDirty: [
              { kind: "check", agentId: agent.id },
              { kind: "comment", runId: run.id },
            ],
            urgent: true,
          };
        }
        if (pull === undefined) {
          await claim();
          pull = await createPullRequest(client, repository, content);
        }
        number = pull.number;
        await store.updateAgent(agent.id, { pullRequestNumber: pull.number, pullRequestUrl: pull.url });
      }
      if (closingNote !== undefined)
        await closeMergedChild(client, claim, store, {
          repository,
          number,
          agentId: agent.id,
          note: closingNote,
        });
      // The item above this one in a stack names this pull request: it is due again.
      const above: ReportTarget[] =
        stack?.above === undefined ? [] : [{ kind: "pull", agentId: stack.above }];
      if (agent.pullRequestNumber !== undefined) return { alsoDirty: mergedChildren, urgent: true };
      // The agent's final check run, its parent's and the tracking comment name the new PR.
      return {
        alsoDirty: [
          { kind: "check", agentId: agent.id },
          { kind: "comment", runId: run.id },
          ...(agent.parentId === undefined ? [] : [{ kind: "check" as const, agentId: agent.parentId }]),
          ...mergedChildren,
          ...above,
        ],
        urgent: true,
      };
    },
  };
}

/** Where an item's pull request is in its `--stack` run's chain, and the item stacked on top of it. */
async function stackPlaceOf(
  store: RunStore,
  root: AgentRecord,
  item: AgentRecord,
): Promise<{ place: StackPlace; above: string | undefined }> {
  const children = await store.listChildren(root.id);
  const chain = children.filter((child) => child.stackBase !== undefined);
  const index = chain.findIndex((child) => child.id === item.id);
  const below = chain[index - 1];
  return {
    place: {
      position: index + 1,
      of: chain.length,
      below: below === undefined ? undefined : (below.pullRequestUrl ?? `\`${below.branch}\``),
      wholeList: holdsEveryItem(children, root.childMerges),
    },
    above: chain[index + 1]?.id,
  };
}

function isMergedInto(parent: AgentRecord, childId: string): boolean {
  return parent.childMerges.some(
    (merge) => merge.childId === childId && merge.recorded && merge.outcome !== "aborted",
  );
}

/** The agent's newest check run, as GitHub gave its address (records from before it was kept: github.com). */
function checkRunUrl(run: RunRecord, agent: AgentRecord): string | undefined {
  if (agent.checkRunId === undefined) return undefined;
  return agent.checkRunUrl ?? `https://github.com/${run.owner}/${run.repo}/runs/${agent.checkRunId}`;
}

/** Said in the tracking comment while agents of the run wait for a free slot of the repository. */
function queuedBehindRepositoryLimit(run: RunRecord, agents: readonly AgentRecord[]): string | undefined {
  const queued = agents.filter((agent) => agent.slotWaitSince !== undefined && !isTerminal(agent.state));
  const limit = run.limits.maxConcurrentInRepository;
  if (queued.length === 0 || limit === undefined) return undefined;
  const who = queued.length === 1 ? `\`${queued[0]?.name}\` is` : `${queued.length} agents are`;
  return `⏳ ${who} queued: ${run.owner}/${run.repo} runs at most ${limit} agent${limit === 1 ? "" : "s"} at once (\`limits.max_concurrent_agents\` in \`.github/agents.yml\`), so ${queued.length === 1 ? "it starts" : "they start"} when others end.`;
}
