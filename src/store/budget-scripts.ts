// The Lua scripts behind BudgetStore. Each reads and changes the budget fields of one agent (and
// its parent) in one step, so concurrent model calls, spawns and releases can never interleave.
// remaining = budgetTokens − spentTokens − childCommittedTokens − reservedTokens; missing fields
// count as 0. reservedTokens is the sum of the agent's call reservations (one hash field per model
// call in flight, in the agent's call-reservations hash): the worst case of each call, held from
// before it is forwarded until it is settled to what it really cost.
import { LuaScript, luaIntegerHelper } from "../redis/lua-script.ts";

// Every computed number handed to HINCRBY or HSET goes through int() (see luaIntegerHelper).
const readRemaining = `${luaIntegerHelper}
local function num(value) return tonumber(value) or 0 end
local function remainingOf(key)
  local f = redis.call('HMGET', key, 'budgetTokens', 'spentTokens', 'childCommittedTokens', 'reservedTokens')
  return num(f[1]) - num(f[2]) - num(f[3]) - num(f[4])
end
`;

/**
 * KEYS: agent, its call reservations. ARGV: reservation id, input tokens (an upper bound, or the
 * exact count), wanted answer tokens (max_tokens), smallest answer worth a call.
 * → {'granted', answerTokens, reservedTokens} | {'turns', turns, maxTurns, inFlight}
 *   | {'budget', remaining, budget, spent, childCommitted, reserved} | {'missing'}
 * The answer is lowered to what fits; a call is refused only when not even the smallest answer
 * does (or the wanted one, when it is smaller). Calls in flight count against the turn limit, so
 * parallel calls cannot pass it either.
 */
export const reserveCallScript = new LuaScript(`${readRemaining}
if redis.call('EXISTS', KEYS[1]) == 0 then return {'missing'} end
local f = redis.call('HMGET', KEYS[1], 'budgetTokens', 'spentTokens', 'childCommittedTokens', 'reservedTokens', 'turns', 'maxTurns')
local inFlight = redis.call('HLEN', KEYS[2])
local turns = num(f[5])
local maxTurns = num(f[6])
if maxTurns > 0 and turns + inFlight >= maxTurns then return {'turns', turns, maxTurns, inFlight} end
local remaining = num(f[1]) - num(f[2]) - num(f[3]) - num(f[4])
local input = tonumber(ARGV[2])
local wanted = tonumber(ARGV[3])
local answer = math.min(wanted, remaining - input)
if answer < math.min(tonumber(ARGV[4]), wanted) or answer < 1 then
  return {'budget', remaining, num(f[1]), num(f[2]), num(f[3]), num(f[4])}
end
local reserved = input + answer
redis.call('HSET', KEYS[2], ARGV[1], int(reserved))
redis.call('HINCRBY', KEYS[1], 'reservedTokens', int(reserved))
return {'granted', answer, reserved}
`);

/**
 * KEYS: agent, its call reservations. ARGV: reservation id ('' for none), tokens, costUsd,
 * answered ('1' when the model answered: the call counts as a turn).
 * → false | {spent, budget, childCommitted, reserved, costUsd, turns, wasReserved}
 * A reservation already dropped (its worker was presumed dead) is not released twice; the
 * tokens are charged all the same.
 */
export const settleCallScript = new LuaScript(`${readRemaining}
local held = redis.call('HGET', KEYS[2], ARGV[1])
local exists = redis.call('EXISTS', KEYS[1]) == 1
if held then
  redis.call('HDEL', KEYS[2], ARGV[1])
  if exists then redis.call('HINCRBY', KEYS[1], 'reservedTokens', int(-num(held))) end
end
if not exists then return false end
local spent = redis.call('HINCRBY', KEYS[1], 'spentTokens', ARGV[2])
local cost = redis.call('HINCRBYFLOAT', KEYS[1], 'costUsd', ARGV[3])
if ARGV[4] == '1' then redis.call('HINCRBY', KEYS[1], 'turns', 1) end
local f = redis.call('HMGET', KEYS[1], 'budgetTokens', 'childCommittedTokens', 'reservedTokens', 'turns')
return {spent, num(f[1]), num(f[2]), num(f[3]), cost, num(f[4]), held and 1 or 0}
`);

/**
 * KEYS: agent, its call reservations. Drops every reservation of the agent (those a dead worker
 * left behind: only one worker runs an agent at a time). → tokens that were reserved
 */
export const dropCallReservationsScript = new LuaScript(`${readRemaining}
local total = 0
for _, value in ipairs(redis.call('HVALS', KEYS[2])) do total = total + num(value) end
redis.call('DEL', KEYS[2])
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'reservedTokens', '0') end
return total
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
 * KEYS: parent, child, the child's call reservations. Returns what the child did not use to its
 * parent, once per end. → {'released', unusedTokens} | {'already'} | {'missing'}
 * The child has ended, so a call reservation it still holds is a dead worker's leftover: dropped.
 * unusedTokens is negative when the child overshot on its last call: the parent then carries it.
 */
export const releaseScript = new LuaScript(`${luaIntegerHelper}
local function num(value) return tonumber(value) or 0 end
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('EXISTS', KEYS[2]) == 0 then return {'missing'} end
local c = redis.call('HMGET', KEYS[2], 'budgetTokens', 'spentTokens', 'childCommittedTokens', 'budgetReleased')
if c[4] == '1' then return {'already'} end
redis.call('DEL', KEYS[3])
redis.call('HSET', KEYS[2], 'reservedTokens', '0')
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
local a = redis.call('HMGET', KEYS[1], 'budgetTokens', 'spentTokens', 'childCommittedTokens', 'budgetReleased', 'reservedTokens')
local used = num(a[2]) + num(a[3]) + num(a[5])
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
