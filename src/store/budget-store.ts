// Agents' token budgets in Redis, changed only by atomic scripts (see budget-scripts.ts): the
// gateway's charges, a child's reservation out of its parent's remaining budget, its release
// when the child ends, and "continue with more". Also the per-installation daily token count.
import type { Redis } from "ioredis";
import { addBudgetScript, chargeScript, releaseScript, reserveScript } from "./budget-scripts.ts";
import type { KeySpace } from "./keys.ts";
import { RecordNotFoundError } from "./run-store.ts";

export interface BudgetSnapshot {
  budgetTokens: number;
  spentTokens: number;
  childCommittedTokens: number;
  /** budgetTokens − spentTokens − childCommittedTokens; ≤ 0 means the agent may not call the model. */
  remainingTokens: number;
  costUsd: number;
}

export interface ChargeResult {
  spentTokens: number;
  budgetTokens: number;
  remainingTokens: number;
  costUsd: number;
  /** Nothing is left for another model call. */
  exhausted: boolean;
}

export type Reservation = { granted: number } | { refused: string };
export type BudgetIncrease = { budgetTokens: number } | { refused: string };

/** Daily counters outlive their day a little, so a late read near midnight still finds them. */
const dailyKeyTtlSeconds = 3 * 86_400;

export class BudgetStore {
  private readonly redis: Redis;
  private readonly keys: KeySpace;

  constructor(redis: Redis, keys: KeySpace) {
    this.redis = redis;
    this.keys = keys;
  }

  async snapshot(agentId: string): Promise<BudgetSnapshot | undefined> {
    const [budget, spent, committed, cost] = await this.redis.hmget(
      this.keys.agent(agentId),
      "budgetTokens",
      "spentTokens",
      "childCommittedTokens",
      "costUsd",
    );
    if (budget === null) return undefined;
    const budgetTokens = Number(budget);
    const spentTokens = Number(spent ?? 0);
    const childCommittedTokens = Number(committed ?? 0);
    return {
      budgetTokens,
      spentTokens,
      childCommittedTokens,
      remainingTokens: budgetTokens - spentTokens - childCommittedTokens,
      costUsd: Number(cost ?? 0),
    };
  }

  /** Charges one model call to the agent, exactly as the gateway measured it. */
  async charge(agentId: string, tokens: number, costUsd: number): Promise<ChargeResult> {
    assertTokenCount(tokens, "tokens");
    const reply = await chargeScript.run(
      this.redis,
      [this.keys.agent(agentId)],
      [tokens, Math.max(0, costUsd).toFixed(10)],
    );
    if (!Array.isArray(reply)) throw new RecordNotFoundError("agent", agentId);
    const [spentTokens = 0, budgetTokens = 0, childCommittedTokens = 0, totalCostUsd = 0] = reply.map(Number);
    const remainingTokens = budgetTokens - spentTokens - childCommittedTokens;
    return {
      spentTokens,
      budgetTokens,
      remainingTokens,
      costUsd: totalCostUsd,
      exhausted: remainingTokens <= 0,
    };
  }

  /**
   * Carves a child's budget out of its parent's remaining budget: the amount asked for, or
   * `defaultShare` of what the parent has left. Refused, with a reason a model can act on, when
   * the parent has less left. Call it before or after creating the child's record.
   */
  async reserveForChild(
    parentId: string,
    childId: string,
    requestedTokens: number | undefined,
    defaultShare: number,
  ): Promise<Reservation> {
    if (requestedTokens !== undefined) assertTokenCount(requestedTokens, "requestedTokens");
    const reply = (await reserveScript.run(
      this.redis,
      [this.keys.agent(parentId), this.keys.agent(childId)],
      [requestedTokens ?? "", defaultShare, parentId],
    )) as [string, ...number[]];
    const [outcome, amount = 0, remaining = 0] = reply;
    if (outcome === "missing") throw new RecordNotFoundError("agent", parentId);
    if (outcome === "granted") return { granted: Number(amount) };
    const left = Math.max(0, Number(remaining));
    if (requestedTokens === undefined) {
      return {
        refused: `this agent has only ${tokens(left)} tokens of budget left, too few to give a sub-agent any`,
      };
    }
    return {
      refused: `asked for ${tokens(requestedTokens)} tokens for the sub-agent, but this agent has only ${tokens(left)} tokens of budget left; ask for less, or finish the work without a sub-agent`,
    };
  }

  /**
   * Gives back to the parent what an ended child did not use (its budget minus its own spend and
   * what its own children hold). Idempotent: a second call for the same end does nothing.
   */
  async releaseChild(parentId: string, childId: string): Promise<{ returnedTokens: number }> {
    const reply = (await releaseScript.run(
      this.redis,
      [this.keys.agent(parentId), this.keys.agent(childId)],
      [],
    )) as [string, number?];
    if (reply[0] === "missing") throw new RecordNotFoundError("agent", `${parentId} or ${childId}`);
    return { returnedTokens: reply[0] === "released" ? Number(reply[1]) : 0 };
  }

  /**
   * Raises an agent's budget (Continue). A child takes the tokens from its parent's remaining
   * budget and is refused when the parent has too little; a top-level agent simply gets them.
   */
  async addBudget(agentId: string, extraTokens: number): Promise<BudgetIncrease> {
    assertTokenCount(extraTokens, "extraTokens");
    const agentKey = this.keys.agent(agentId);
    const parentId = await this.redis.hget(agentKey, "parentId");
    const keys = parentId === null ? [agentKey] : [agentKey, this.keys.agent(parentId)];
    const reply = (await addBudgetScript.run(this.redis, keys, [extraTokens])) as [string, ...number[]];
    const [outcome, first = 0, second = 0] = reply;
    switch (outcome) {
      case "ok":
        return { budgetTokens: Number(first) };
      case "refused":
        return {
          refused: `the parent agent has only ${tokens(Math.max(0, Number(second)))} tokens of budget left, and this needs ${tokens(Number(first))}; give the parent more budget first, or ask for less`,
        };
      case "useless":
        return {
          refused: `the agent has already used ${tokens(Number(second))} tokens, so a budget of ${tokens(Number(first))} would leave it nothing to spend; add more`,
        };
      default:
        throw new RecordNotFoundError("agent", parentId ?? agentId);
    }
  }

  /** Tokens charged today (UTC) to agents of this installation. */
  async dailyUsage(installationId: number, now: Date = new Date()): Promise<number> {
    return Number((await this.redis.get(this.keys.dailyTokens(installationId, utcDay(now)))) ?? 0);
  }

  /** Adds to today's count for the installation and returns the new total. */
  async chargeDaily(installationId: number, tokens: number, now: Date = new Date()): Promise<number> {
    assertTokenCount(tokens, "tokens");
    const key = this.keys.dailyTokens(installationId, utcDay(now));
    const replies = await this.redis.multi().incrby(key, tokens).expire(key, dailyKeyTtlSeconds).exec();
    const [error, total] = replies?.[0] ?? [new Error("the daily count was not updated"), 0];
    if (error !== null) throw error;
    return Number(total);
  }
}

/** The UTC day a daily count belongs to, e.g. `2026-11-03`. */
export function utcDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** When the daily count that `now` falls in starts again from zero: the next UTC midnight. */
export function dailyResetsAt(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
}

function assertTokenCount(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a whole number of tokens ≥ 0, got ${value}`);
  }
}

function tokens(count: number): string {
  return count.toLocaleString("en-US");
}
