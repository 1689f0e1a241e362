// Finds the agents a command names, among the runs started from one issue or pull request:
// `name` (the newest run's agent of that name), `run/name`, or `all` (every unfinished agent).
import type { AgentRecord } from "../store/records.ts";
import type { RunStore } from "../store/run-store.ts";

export interface Conversation {
  owner: string;
  repo: string;
  issueNumber: number;
}

export async function findAgent(
  store: RunStore,
  conversation: Conversation,
  reference: string,
): Promise<AgentRecord | undefined> {
  const runIds = await store.runIdsForIssue(conversation.owner, conversation.repo, conversation.issueNumber);
  if (reference.includes("/")) {
    const runId = reference.slice(0, reference.indexOf("/"));
    if (!runIds.includes(runId)) return undefined;
    return store.getAgent(reference);
  }
  for (const runId of [...runIds].reverse()) {
    const found = (await store.listRunAgents(runId)).find((agent) => agent.name === reference);
    if (found !== undefined) return found;
  }
  return undefined;
}

export async function allAgents(store: RunStore, conversation: Conversation): Promise<AgentRecord[]> {
  const runIds = await store.runIdsForIssue(conversation.owner, conversation.repo, conversation.issueNumber);
  const lists = await Promise.all(runIds.map((runId) => store.listRunAgents(runId)));
  return lists.flat();
}

/** The agent and everything below it, parents first. */
export async function subtreeOf(store: RunStore, agent: AgentRecord): Promise<AgentRecord[]> {
  const all = await store.listRunAgents(agent.runId);
  const result: AgentRecord[] = [];
  const visit = (current: AgentRecord) => {
    result.push(current);
    for (const child of all.filter((other) => other.parentId === current.id)) visit(child);
  };
  visit(agent);
  return result;
}
