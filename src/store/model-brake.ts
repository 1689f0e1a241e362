// One brake for the whole fleet: when the model API says the account is rate limited, every
// worker's new agent starts and resumes wait until the reset it named, instead of each agent
// finding out by failing. It is one key holding the reset time and why, expiring at that time,
// so it lifts itself; a later reset replaces an earlier one, never the other way round.
import type { Redis } from "ioredis";
import { z } from "zod";
import { LuaScript } from "../redis/lua-script.ts";
import type { KeySpace } from "./keys.ts";

export interface ModelBrakeState {
  /** When the account may be asked again (ms since the epoch). */
  until: number;
  /** What the model API said, for the people watching. */
  reason: string;
}

const brakeSchema = z.object({ until: z.number(), reason: z.string() });

/** Sets the brake unless one already holds until later; it expires on its own at `until`. */
const pressScript = new LuaScript(`
local current = redis.call('GET', KEYS[1])
if current then
  local ok, held = pcall(cjson.decode, current)
  if ok and type(held) == 'table' and tonumber(held['until']) and tonumber(held['until']) >= tonumber(ARGV[1]) then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[2], 'PXAT', ARGV[1])
return 1
`);

export class ModelBrake {
  private readonly redis: Redis;
  private readonly keys: KeySpace;

  constructor(redis: Redis, keys: KeySpace) {
    this.redis = redis;
    this.keys = keys;
  }

  /** Holds new starts and resumes until `until`, unless the brake already holds longer. */
  async press(until: number, reason: string): Promise<void> {
    if (until <= Date.now()) return;
    const state: ModelBrakeState = { until: Math.ceil(until), reason };
    await pressScript.run(this.redis, [this.keys.modelBrake()], [String(state.until), JSON.stringify(state)]);
  }

  /** The brake now, if it holds. */
  async current(): Promise<ModelBrakeState | undefined> {
    const raw = await this.redis.get(this.keys.modelBrake());
    if (raw === null) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return undefined;
    }
    const state = brakeSchema.safeParse(parsed);
    if (!state.success || state.data.until <= Date.now()) return undefined;
    return state.data;
  }
}
