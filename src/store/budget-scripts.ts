// The Lua scripts behind BudgetStore. Each reads and changes the budget fields of one agent (and
// its parent) in one step, so concurrent charges, spawns and releases can never interleave.
// remaining = budgetTokens − spentTokens − childCommittedTokens; missing fields count as 0.
import { LuaScript, luaIntegerHelper } from "../redis/lua-script.ts";

// Every computed number handed to HINCRBY or HSET goes through int() (see luaIntegerHelper).
const readRemaining = `${luaIntegerHelper}
local function num(value) return tonumber(value) or 0 end
local function remainingOf(key)
  local f = redis.call('HMGET', key, 'budgetTokens', 'spentTokens', 'childCommittedTokens')
  return num(f[1]) - num(f[2]) - num(f[3])
end
`;

/** KEYS: agent. ARGV: tokens, costUsd. → false | {spent, budget, childCommitted, costUsd} */
export const chargeScript = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local spent = redis.call('HINCRBY', KEYS[1], 'spentTokens', ARGV[1])
local cost = redis.call('HINCRBYFLOAT', KEYS[1], 'costUsd', ARGV[2])
local f = redis.call('HMGET', KEYS[1], 'budgetTokens', 'childCommittedTokens')
return {spent, tonumber(f[1]) or 0, tonumber(f[2]) or 0, cost}
`);

/**
 * KEYS: parent, child. ARGV: requested tokens ('' for the default share), share, parentId.
 * → {'granted', amount} | {'refused', amount, remaining} | {'missing'}
 * A child that already holds a reservation gets it again (a retried spawn reserves once).
 */
export const reserveScript = new LuaScript(`${readRemaining}
if redis.call('EXISTS', KEYS[1]) == 0 then return {'missing'} end
if redis.call('HEXISTS', KEYS[2], 'budgetReservedFrom') == 1 then
  return {'granted', num(redis.call('HGET', KEYS[2], 'budgetTokens'))}
end
local remaining = remainingOf(KEYS[1])
local amount
if ARGV[1] == '' then
  amount = math.floor(tonumber(ARGV[2]) * math.max(remaining, 0))
else
  amount = tonumber(ARGV[1])
end
if amount < 1 or amount > remaining then return {'refused', amount, remaining} end
redis.call('HINCRBY', KEYS[1], 'childCommittedTokens', int(amount))
redis.call('HSET', KEYS[2], 'budgetTokens', int(amount), 'budgetReservedFrom', ARGV[3])
return {'granted', amount}
`);

/**
 * KEYS: parent, child. Returns what the child did not use to its parent, once per end.
 * → {'released', unusedTokens} | {'already'} | {'missing'}
 * unusedTokens is negative when the child overshot on its last call: the parent then carries it.
 */
export const releaseScript = new LuaScript(`${luaIntegerHelper}
local function num(value) return tonumber(value) or 0 end
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('EXISTS', KEYS[2]) == 0 then return {'missing'} end
local c = redis.call('HMGET', KEYS[2], 'budgetTokens', 'spentTokens', 'childCommittedTokens', 'budgetReleased')
if c[4] == '1' then return {'already'} end
local unused = num(c[1]) - num(c[2]) - num(c[3])
-- int(): a child that spent exactly its budget has unused = 0, and -0 reaches Redis as "-0".
redis.call('HINCRBY', KEYS[1], 'childCommittedTokens', int(-unused))
redis.call('HSET', KEYS[2], 'budgetReleased', '1')
return {'released', unused}
`);

/**
 * KEYS: agent[, parent]. ARGV: extra tokens.
 * → {'ok', newBudget} | {'refused', delta, parentRemaining} | {'useless', newBudget, used} | {'missing'}
 * A child takes the extra from its parent: just the extra while it still holds its reservation,
 * or (newBudget − used) after its reservation went back to the parent (a released child).
 */
export const addBudgetScript = new LuaScript(`${readRemaining}
if redis.call('EXISTS', KEYS[1]) == 0 then return {'missing'} end
local a = redis.call('HMGET', KEYS[1], 'budgetTokens', 'spentTokens', 'childCommittedTokens', 'budgetReleased')
local used = num(a[2]) + num(a[3])
local newBudget = num(a[1]) + tonumber(ARGV[1])
if newBudget - used < 1 then return {'useless', newBudget, used} end
if #KEYS == 1 then
  redis.call('HSET', KEYS[1], 'budgetTokens', int(newBudget))
  return {'ok', newBudget}
end
if redis.call('EXISTS', KEYS[2]) == 0 then return {'missing'} end
local delta = tonumber(ARGV[1])
if a[4] == '1' then delta = newBudget - used end
local parentRemaining = remainingOf(KEYS[2])
if delta > parentRemaining then return {'refused', delta, parentRemaining} end
redis.call('HINCRBY', KEYS[2], 'childCommittedTokens', int(delta))
redis.call('HSET', KEYS[1], 'budgetTokens', int(newBudget))
redis.call('HDEL', KEYS[1], 'budgetReleased')
return {'ok', newBudget}
`);
