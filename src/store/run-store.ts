// Reads and writes run and agent records. Records are Redis hashes so that independent writers
// (worker, gateway, web) can each change their own fields without overwriting the others'.
import type { Redis } from "ioredis";
import type { RunLimits } from "../config/run-limits.ts";
import { LuaScript } from "../redis/lua-script.ts";
import type { KeySpace } from "./keys.ts";
import {
  type AgentRecord,
  agentRecordSchema,
  type ReviewLocation,
  type RunRecord,
  runRecordSchema,
  type TerminalState,
  toRedisFields,
} from "./records.ts";

export type NewRun = Omit<
  RunRecord,
  "trackingCommentId" | "limits" | "reviewLocation" | "stopNote" | "stack"
> & {
  limits: RunLimits;
  stack?: boolean;
  reviewLocation?: ReviewLocation;
};
export type NewAgent = Pick<
  AgentRecord,
  | "id"
  | "runId"
  | "name"
  | "depth"
  | "task"
  | "branch"
  | "baseSha"
  | "sessionId"
  | "budgetTokens"
  | "maxTurns"
  | "createdAt"
> &
  Partial<Pick<AgentRecord, "parentId" | "model" | "role">>;

export type AgentUpdate = Partial<Omit<AgentRecord, "id" | "runId">>;
export type RunUpdate = Partial<Pick<RunRecord, "trackingCommentId" | "stopNote">>;

export class RecordNotFoundError extends Error {
  constructor(kind: "run" | "agent", id: string) {
    super(`No ${kind} record "${id}" in Redis: it was never created, or Redis lost its data.`);
    this.name = "RecordNotFoundError";
  }
}

const recentRunsKept = 100;
/** How long a delivery id is remembered: GitHub redelivers only within days. */
const deliveryClaimSeconds = 30 * 86_400;

/** One Redis write: the command, the key it writes, its other arguments. */
type RedisWrite = [command: string, key: string, ...args: string[]];

/**
 * Claims the delivery (KEYS[1]) and, only if this call claimed it, applies the writes: ARGV[3] is
 * a JSON list of [command, index into KEYS, arguments...]. Returns 1 when it claimed, else 0.
 */
const createRunOnceScript = new LuaScript(`
if not redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2], 'NX') then return 0 end
for _, step in ipairs(cjson.decode(ARGV[3])) do
  local call = { step[1], KEYS[step[2]] }
  for i = 3, #step do call[#call + 1] = step[i] end
  redis.call(unpack(call))
end
return 1
`);

export class RunStore {
  readonly redis: Redis;
  readonly keys: KeySpace;

  constructor(redis: Redis, keys: KeySpace) {
    this.redis = redis;
    this.keys = keys;
  }

  /**
   * Records a new run and its first agents, once per webhook delivery: a redelivered webhook
   * finds the delivery already claimed and gets `created: false`.
   */
  async createRun(run: NewRun, agents: readonly NewAgent[]): Promise<{ created: boolean }> {
    // One script: the claim and the records land together or not at all. A consumer killed
    // between a separate claim and the records would leave a claimed delivery with no agents,
    // and the retried delivery would find the claim and start nothing.
    const writes: RedisWrite[] = [
      ["HSET", this.keys.run(run.id), ...Object.entries(toRedisFields({ ...run })).flat()],
      ["RPUSH", this.keys.issueRuns(run.owner, run.repo, run.issueNumber), run.id],
      // The status page lists the newest runs; older ones drop off this list (not their records).
      ["ZADD", this.keys.recentRuns(), String(run.createdAt), run.id],
      ["ZREMRANGEBYRANK", this.keys.recentRuns(), "0", String(-(recentRunsKept + 1))],
      ["SADD", this.keys.installationRuns(run.installationId), run.id],
      ...agents.flatMap((agent) => this.agentCreationWrites(agent)),
    ];
    const keys = [this.keys.delivery(run.deliveryId)];
    const keyIndex = new Map<string, number>();
    const steps = writes.map(([command, key, ...args]) => {
      let index = keyIndex.get(key);
      if (index === undefined) {
        keys.push(key);
        index = keys.length;
        keyIndex.set(key, index);
      }
      return [command, index, ...args];
    });
    const created = await createRunOnceScript.run(this.redis, keys, [
      run.id,
      deliveryClaimSeconds,
      JSON.stringify(steps),
    ]);
    return { created: created === 1 };
  }

  /** Adds an agent to an existing run (a spawned child). */
  async addAgent(agent: NewAgent): Promise<void> {
    const transaction = this.redis.multi();
    for (const [command, key, ...args] of this.agentCreationWrites(agent))
      transaction.call(command, key, ...args);
    await transaction.exec();
  }

  private agentCreationWrites(agent: NewAgent): RedisWrite[] {
    const writes: RedisWrite[] = [
      [
        "HSET",
        this.keys.agent(agent.id),
        ...Object.entries(toRedisFields({ ...agent, state: "queued", generation: 0 })).flat(),
      ],
      ["RPUSH", this.keys.runAgents(agent.runId), agent.id],
    ];
    if (agent.parentId !== undefined)
      writes.push(["RPUSH", this.keys.agentChildren(agent.parentId), agent.id]);
    return writes;
  }

  async runIdForDelivery(deliveryId: string): Promise<string | undefined> {
    return (await this.redis.get(this.keys.delivery(deliveryId))) ?? undefined;
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const fields = await this.redis.hgetall(this.keys.run(runId));
    return Object.keys(fields).length === 0 ? undefined : runRecordSchema.parse(fields);
  }

  async requireRun(runId: string): Promise<RunRecord> {
    const run = await this.getRun(runId);
    if (run === undefined) throw new RecordNotFoundError("run", runId);
    return run;
  }

  async updateRun(runId: string, update: RunUpdate): Promise<void> {
    await this.redis.hset(this.keys.run(runId), toRedisFields(update));
  }

  async getAgent(agentId: string): Promise<AgentRecord | undefined> {
    const fields = await this.redis.hgetall(this.keys.agent(agentId));
    return Object.keys(fields).length === 0 ? undefined : agentRecordSchema.parse(fields);
  }

  async requireAgent(agentId: string): Promise<AgentRecord> {
    const agent = await this.getAgent(agentId);
    if (agent === undefined) throw new RecordNotFoundError("agent", agentId);
    return agent;
  }

  async updateAgent(agentId: string, update: AgentUpdate): Promise<void> {
    const fields = toRedisFields(update);
    if (Object.keys(fields).length > 0) await this.redis.hset(this.keys.agent(agentId), fields);
  }

  /** Records how an agent ended before finishing it (its result is saved separately). */
  async recordEnding(
    agentId: string,
    ending: { state: TerminalState; error?: string | undefined },
  ): Promise<void> {
    const stored = {
      state: ending.state,
      resultText: "",
      ...(ending.error === undefined ? {} : { error: ending.error }),
    };
    await this.redis.hset(this.keys.agent(agentId), "ending", JSON.stringify(stored));
  }

  async addSpentTokens(agentId: string, tokens: number): Promise<void> {
    await this.redis.hincrby(this.keys.agent(agentId), "spentTokens", tokens);
  }

  async clearAgentFields(agentId: string, names: readonly (keyof AgentRecord)[]): Promise<void> {
    if (names.length > 0) await this.redis.hdel(this.keys.agent(agentId), ...names);
  }

  async listRunAgents(runId: string): Promise<AgentRecord[]> {
    const ids = await this.redis.lrange(this.keys.runAgents(runId), 0, -1);
    return this.getAgents(ids);
  }

  async listChildren(agentId: string): Promise<AgentRecord[]> {
    const ids = await this.redis.lrange(this.keys.agentChildren(agentId), 0, -1);
    return this.getAgents(ids);
  }

  private async getAgents(ids: readonly string[]): Promise<AgentRecord[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.agent(id));
    const replies = (await pipeline.exec()) ?? [];
    return replies.flatMap(([error, fields]) => {
      if (error !== null || typeof fields !== "object" || fields === null) return [];
      return Object.keys(fields).length > 0 ? [agentRecordSchema.parse(fields)] : [];
    });
  }

  /** The newest runs first, at most `limit` (of the last 100). */
  async recentRunIds(limit: number): Promise<string[]> {
    return this.redis.zrevrange(this.keys.recentRuns(), 0, limit - 1);
  }

  /** The runs of an installation (and, for runs older than that index, the recent ones of it). */
  async runIdsForInstallation(installationId: number): Promise<string[]> {
    const indexed = await this.redis.smembers(this.keys.installationRuns(installationId));
    const recent = await this.redis.zrevrange(this.keys.recentRuns(), 0, -1);
    const olderOfInstallation: string[] = [];
    for (const runId of recent.filter((id) => !indexed.includes(id))) {
      const owner = await this.redis.hget(this.keys.run(runId), "installationId");
      if (owner === String(installationId)) olderOfInstallation.push(runId);
    }
    return [...indexed, ...olderOfInstallation];
  }

  /**
   * Forgets a run: no command, page or index finds it any more, and its records and its agents'
   * (results, events, sessions) expire after `graceSeconds`, time for workers to stop its agents.
   */
  async forgetRun(run: RunRecord, graceSeconds: number): Promise<void> {
    const agents = await this.listRunAgents(run.id);
    const transaction = this.redis.multi();
    transaction.lrem(this.keys.issueRuns(run.owner, run.repo, run.issueNumber), 0, run.id);
    transaction.zrem(this.keys.recentRuns(), run.id);
    transaction.srem(this.keys.installationRuns(run.installationId), run.id);
    transaction.expire(this.keys.run(run.id), graceSeconds);
    transaction.expire(this.keys.runAgents(run.id), graceSeconds);
    transaction.expire(this.keys.runSpawnLock(run.id), graceSeconds);
    for (const agent of agents) {
      transaction.zrem(this.keys.closedAgentBranches(), agent.id);
      for (const key of [
        this.keys.agent(agent.id),
        this.keys.agentChildren(agent.id),
        this.keys.agentResult(agent.id),
        this.keys.agentEvents(agent.id),
        this.keys.agentSession(agent.id, agent.sessionId),
        this.keys.agentCallReservations(agent.id),
      ])
        transaction.expire(key, graceSeconds);
    }
    await transaction.exec();
  }

  async runIdsForIssue(owner: string, repo: string, issueNumber: number): Promise<string[]> {
    return this.redis.lrange(this.keys.issueRuns(owner, repo, issueNumber), 0, -1);
  }

  /** Keeps an agent's whole final answer; parents read it in pages (see readResult). */
  async saveResult(agentId: string, text: string): Promise<void> {
    await this.redis.set(this.keys.agentResult(agentId), text);
  }

  async readResult(
    agentId: string,
    offset: number,
    limit: number,
  ): Promise<{ text: string; totalChars: number } | undefined> {
    const text = await this.redis.get(this.keys.agentResult(agentId));
    if (text === null) return undefined;
    return { text: text.slice(offset, offset + limit), totalChars: text.length };
  }
}
