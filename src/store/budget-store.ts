// Agents' token budgets in Redis, changed only by atomic scripts (see budget-scripts.ts): the
// gateway's reservation of each model call's worst case and its settlement to what the call
// cost, a child's reservation out of its parent's remaining budget, its release when the child
// ends, and "continue with more". Also the per-installation daily token count.
import type { Redis } from "ioredis";
import { z } from "zod";
import {
  addBudgetScript,
  dropCallReservationsScript,
  releaseScript,
  reserveCallScript,
  reserveScript,
  settleCallScript,
} from "./budget-scripts.ts";
import type { KeySpace } from "./keys.ts";
import { RecordNotFoundError } from "./run-store.ts";

export interface BudgetSnapshot {
  budgetTokens: number;
  spentTokens: number;
  childCommittedTokens: number;
  /** Held by model calls in flight (their worst case), until each is settled. */
  reservedTokens: number;
  /** budgetTokens − spentTokens − childCommittedTokens − reservedTokens. */
  remainingTokens: number;
  costUsd: number;
}

export interface CallReservationRequest {
  /** Names the reservation until it is settled; unique per call. */
  reservationId: string;
  /** An upper bound of the call's input tokens (or their exact count). */
  inputTokens: number;
  /** The answer the call asks for (its max_tokens). */
  wantedAnswerTokens: number;
  /** Below this many answer tokens the call is refused rather than lowered further. */
  minimumAnswerTokens: number;
}

export type CallReservation =
  | { granted: true; answerTokens: number; reservedTokens: number }
  | { granted: false; reason: "turns"; turns: number; maxTurns: number; inFlight: number }
  | { granted: false; reason: "budget"; snapshot: BudgetSnapshot };

export interface CallSettlement {
  /** What the call cost: input + cache writes + output (see gateway/message-usage.ts). */
  tokens: number;
  costUsd: number;
  /** The model answered: the call counts as one of the agent's turns. */
  answered: boolean;
}

export interface ChargeResult {
  spentTokens: number;
  budgetTokens: number;
  remainingTokens: number;
  costUsd: number;
  /** Model calls that were answered, over all the agent's sessions. */
  turns: number;
  /** False when the reservation was gone (dropped as a dead worker's) and only the charge counted. */
  wasReserved: boolean;
}

const integer = z.coerce.number().int();
const reserveCallReply = z.union([
  z.tuple([z.literal("granted"), integer, integer]),
  z.tuple([z.literal("turns"), integer, integer, integer]),
  z.tuple([z.literal("budget"), integer, integer, integer, integer, integer]),
  z.tuple([z.literal("missing")]),
]);
const settleCallReply = z.union([
  z.literal(null),
  z.tuple([integer, integer, integer, integer, z.coerce.number(), integer, integer]),
]);
const reserveReply = z.union([
  z.tuple([z.literal("granted"), integer]),
  z.tuple([z.literal("refused"), integer, integer]),
  z.tuple([z.literal("missing")]),
]);
const releaseReply = z.union([
  z.tuple([z.literal("released"), integer]),
  z.tuple([z.literal("already")]),
  z.tuple([z.literal("missing")]),
]);
const addBudgetReply = z.union([
  z.tuple([z.literal("ok"), integer]),
  z.tuple([z.enum(["refused", "useless"]), integer, integer]),
  z.tuple([z.literal("missing")]),
]);

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
    const [budget, spent, committed, reserved, cost] = await this.redis.hmget(
      this.keys.agent(agentId),
      "budgetTokens",
      "spentTokens",
      "childCommittedTokens",
      "reservedTokens",
      "costUsd",
    );
    if (budget === null) return undefined;
    return budgetSnapshot(
      Number(budget),
      Number(spent ?? 0),
      Number(committed ?? 0),
      Number(reserved ?? 0),
      Number(cost ?? 0),
    );
  }

  /**
   * Reserves a model call's worst case (input bound + answer) before it is forwarded, lowering
   * the answer to what is left; refused when not even the smallest answer fits, or when the
   * agent's answered calls and calls in flight have reached its turn limit.
   */
  async reserveCall(agentId: string, request: CallReservationRequest): Promise<CallReservation> {
    assertTokenCount(request.inputTokens, "inputTokens");
    assertTokenCount(request.wantedAnswerTokens, "wantedAnswerTokens");
    assertTokenCount(request.minimumAnswerTokens, "minimumAnswerTokens");
    const reply = reserveCallReply.parse(
      await reserveCallScript.run(
        this.redis,
        [this.keys.agent(agentId), this.keys.agentCallReservations(agentId)],
        [request.reservationId, request.inputTokens, request.wantedAnswerTokens, request.minimumAnswerTokens],
      ),
    );
    switch (reply[0]) {
      case "granted":
        return { granted: true, answerTokens: reply[1], reservedTokens: reply[2] };
      case "turns":
        return { granted: false, reason: "turns", turns: reply[1], maxTurns: reply[2], inFlight: reply[3] };
      case "budget": {
        const [, , budget, spent, committed, reserved] = reply;
        const snapshot = budgetSnapshot(budget, spent, committed, reserved, 0);
        return { granted: false, reason: "budget", snapshot };
      }
      case "missing":
        throw new RecordNotFoundError("agent", agentId);
    }
  }

  /**
   * Settles a model call: releases its reservation and charges what it really cost (exactly as
   * the gateway measured it, or its estimate when the answer was cut off). Without a reservation
   * id (or with one already dropped) it only charges.
   */
  async settleCall(
    agentId: string,
    reservationId: string | undefined,
    settlement: CallSettlement,
  ): Promise<ChargeResult> {
    assertTokenCount(settlement.tokens, "tokens");
    const reply = settleCallReply.parse(
      await settleCallScript.run(
        this.redis,
        [this.keys.agent(agentId), this.keys.agentCallReservations(agentId)],
        [
          reservationId ?? "",
          settlement.tokens,
          Math.max(0, settlement.costUsd).toFixed(10),
          settlement.answered ? "1" : "0",
        ],
      ),
    );
    if (reply === null) throw new RecordNotFoundError("agent", agentId);
    const [spentTokens, budgetTokens, childCommittedTokens, reservedTokens, costUsd, turns, wasReserved] =
      reply;
    return {
      spentTokens,
      budgetTokens,
      remainingTokens: budgetTokens - spentTokens - childCommittedTokens - reservedTokens,
      costUsd,
      turns,
      wasReserved: wasReserved === 1,
    };
  }

  /**
   * Drops every call reservation the agent holds: called before an agent's CLI starts, when no
   * call of it can be in flight (a worker runs one agent at a time), so any reservation left is a
   * dead worker's. Returns the tokens that were held.
   */
  async dropCallReservations(agentId: string): Promise<number> {
    const reply = await dropCallReservationsScript.run(
      this.redis,
      [this.keys.agent(agentId), this.keys.agentCallReservations(agentId)],
      [],
    );
    return integer.parse(reply);
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
    const reply = reserveReply.parse(
      await reserveScript.run(
        this.redis,
        [this.keys.agent(parentId), this.keys.agent(childId)],
        [requestedTokens ?? "", defaultShare, parentId],
      ),
    );
    if (reply[0] === "missing") throw new RecordNotFoundError("agent", parentId);
    if (reply[0] === "granted") return { granted: reply[1] };
    const left = Math.max(0, reply[2]);
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
    const reply = releaseReply.parse(
      await releaseScript.run(
        this.redis,
        [this.keys.agent(parentId), this.keys.agent(childId), this.keys.agentCallReservations(childId)],
        [],
      ),
    );
    if (reply[0] === "missing") throw new RecordNotFoundError("agent", `${parentId} or ${childId}`);
    return { returnedTokens: reply[0] === "released" ? reply[1] : 0 };
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
    const reply = addBudgetReply.parse(await addBudgetScript.run(this.redis, keys, [extraTokens]));
    switch (reply[0]) {
      case "ok":
        return { budgetTokens: reply[1] };
      case "refused":
        return {
          refused: `the parent agent has only ${tokens(Math.max(0, reply[2]))} tokens of budget left, and this needs ${tokens(reply[1])}; give the parent more budget first, or ask for less`,
        };
      case "useless":
        return {
          refused: `the agent has already used ${tokens(reply[2])} tokens, so a budget of ${tokens(reply[1])} would leave it nothing to spend; add more`,
        };
      case "missing":
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

function budgetSnapshot(
  budgetTokens: number,
  spentTokens: number,
  childCommittedTokens: number,
  reservedTokens: number,
  costUsd: number,
): BudgetSnapshot {
  return {
    budgetTokens,
    spentTokens,
    childCommittedTokens,
    reservedTokens,
    remainingTokens: budgetTokens - spentTokens - childCommittedTokens - reservedTokens,
    costUsd,
  };
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
