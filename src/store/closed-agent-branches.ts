// Agents whose own pull request was closed without merging: their branches may be deleted once
// the retention time has passed since the close. A sorted set, agent id → when the pull request
// was closed (ms), so the time is the closer's and the retention the sweeping process's setting.
import type { RunStore } from "./run-store.ts";

type Store = Pick<RunStore, "redis" | "keys">;

export async function rememberClosedAgentBranch(
  store: Store,
  agentId: string,
  closedAtMs: number,
): Promise<void> {
  await store.redis.zadd(store.keys.closedAgentBranches(), closedAtMs, agentId);
}

/** A reopened pull request keeps its branch. */
export async function forgetClosedAgentBranch(store: Store, agentId: string): Promise<void> {
  await store.redis.zrem(store.keys.closedAgentBranches(), agentId);
}

/** Agents whose pull request was closed at or before `closedBeforeMs`, oldest first. */
export async function closedAgentBranchesDue(
  store: Store,
  closedBeforeMs: number,
  limit: number,
): Promise<string[]> {
  return store.redis.zrangebyscore(store.keys.closedAgentBranches(), 0, closedBeforeMs, "LIMIT", 0, limit);
}

/** Takes one off the list; true for the one process that took it (several may sweep at once). */
export async function claimClosedAgentBranch(store: Store, agentId: string): Promise<boolean> {
  return (await store.redis.zrem(store.keys.closedAgentBranches(), agentId)) === 1;
}
