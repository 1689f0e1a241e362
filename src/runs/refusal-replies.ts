// Refusals are answered in words, but a person cannot make Flotilla write without limit: each
// person gets at most a few refusal replies per hour and installation, whoever they are and
// whatever they got wrong (no permission, a bad command, a locked conversation). Past that,
// Flotilla stays silent and logs; a flood of comments costs the installation a few writes.
import type { RunStore } from "../store/run-store.ts";

/** Refusal replies one person gets per window; the next ones are only logged. */
export const refusalRepliesPerWindow = 3;
const windowSeconds = 3_600;

/** Whether one more refusal may be written to `login` now (counts it when so). */
export async function mayReplyWithRefusal(
  store: Pick<RunStore, "redis" | "keys">,
  installationId: number,
  login: string,
  nowMs = Date.now(),
): Promise<boolean> {
  const window = String(Math.floor(nowMs / 1000 / windowSeconds));
  const key = store.keys.refusalReplies(installationId, login, window);
  const [[, count] = [], _] = (await store.redis.multi().incr(key).expire(key, windowSeconds).exec()) ?? [];
  return typeof count === "number" && count <= refusalRepliesPerWindow;
}
