// Every Redis key Flotilla uses is built here, under one prefix. The prefix is hash-tagged
// (`{flotilla}`) by default so that a Redis Cluster keeps all of them in one slot, which the
// multi-key scripts in this folder need.

export interface KeySpace {
  readonly prefix: string;
  delivery(deliveryId: string): string;
  deliveryReply(deliveryId: string): string;
  deliveryReaction(deliveryId: string): string;
  run(runId: string): string;
  runAgents(runId: string): string;
  runSpawnLock(runId: string): string;
  issueRuns(owner: string, repo: string, issueNumber: number): string;
  recentRuns(): string;
  /** The runs of one app installation (to cancel and forget them when it is removed). */
  installationRuns(installationId: number): string;
  /** Agents whose own pull request was closed unmerged: agent id → when it was closed (ms). */
  closedAgentBranches(): string;
  agent(agentId: string): string;
  agentChildren(agentId: string): string;
  agentResult(agentId: string): string;
  agentEvents(agentId: string): string;
  agentSession(agentId: string, sessionId: string): string;
  /** One field per model call in flight: its reservation id → the tokens it holds. */
  agentCallReservations(agentId: string): string;
  agentTokens(): string;
  cancelChannel(): string;
  reportDirty(): string;
  reportVersions(): string;
  reportLastWrite(): string;
  reportUrgent(): string;
  reportLock(target: string): string;
  rateWindow(installationId: number, window: string): string;
  /** Refusals replied to one person in one repository's installation within the current window. */
  refusalReplies(installationId: number, login: string, window: string): string;
  dailyTokens(installationId: number, day: string): string;
  repositoryActive(owner: string, repo: string): string;
  /** Until when the model API said the account is rate limited: the fleet's brake. */
  modelBrake(): string;
}

export function createKeySpace(prefix: string): KeySpace {
  return {
    prefix,
    delivery: (deliveryId) => `${prefix}:delivery:${deliveryId}`,
    deliveryReply: (deliveryId) => `${prefix}:delivery:${deliveryId}:reply`,
    deliveryReaction: (deliveryId) => `${prefix}:delivery:${deliveryId}:reaction`,
    run: (runId) => `${prefix}:run:${runId}`,
    runAgents: (runId) => `${prefix}:run:${runId}:agents`,
    runSpawnLock: (runId) => `${prefix}:run:${runId}:spawn-lock`,
    issueRuns: (owner, repo, issueNumber) => `${prefix}:issue:${owner}/${repo}#${issueNumber}:runs`,
    recentRuns: () => `${prefix}:runs:recent`,
    installationRuns: (installationId) => `${prefix}:installation:${installationId}:runs`,
    closedAgentBranches: () => `${prefix}:branches:closed`,
    agent: (agentId) => `${prefix}:agent:${agentId}`,
    agentChildren: (agentId) => `${prefix}:agent:${agentId}:children`,
    agentResult: (agentId) => `${prefix}:agent:${agentId}:result`,
    agentEvents: (agentId) => `${prefix}:agent:${agentId}:events`,
    agentSession: (agentId, sessionId) => `${prefix}:agent:${agentId}:session:${sessionId}`,
    agentCallReservations: (agentId) => `${prefix}:agent:${agentId}:call-reservations`,
    agentTokens: () => `${prefix}:agent-tokens`,
    cancelChannel: () => `${prefix}:cancel`,
    reportDirty: () => `${prefix}:report:dirty`,
    reportVersions: () => `${prefix}:report:versions`,
    reportLastWrite: () => `${prefix}:report:last-write`,
    reportUrgent: () => `${prefix}:report:urgent`,
    reportLock: (target) => `${prefix}:report:lock:${target}`,
    rateWindow: (installationId, window) => `${prefix}:rate:${installationId}:${window}`,
    refusalReplies: (installationId, login, window) =>
      `${prefix}:refusal-replies:${installationId}:${login.toLowerCase()}:${window}`,
    dailyTokens: (installationId, day) => `${prefix}:daily-tokens:${installationId}:${day}`,
    repositoryActive: (owner, repo) => `${prefix}:repo:${owner}/${repo}:active`,
    modelBrake: () => `${prefix}:model:brake`,
  };
}
