// One line when Redis becomes unreachable and one when it is back, for the whole process:
// ioredis emits an error on every failed reconnect of every connection (and prints "Unhandled
// error event" when no one listens), which during an outage is hundreds of lines a minute.
import type { Redis } from "ioredis";

interface Outage {
  down: Set<Redis>;
  since: number | undefined;
}

const outages = new Map<string, Outage>();

/** Watches a connection; its outages are reported together with the other connections' to `address`. */
export function reportRedisOutages(connection: Redis, address: string): void {
  const outage = outages.get(address) ?? { down: new Set(), since: undefined };
  outages.set(address, outage);
  connection.on("error", (error: Error) => {
    outage.down.add(connection);
    if (outage.since !== undefined) return;
    outage.since = Date.now();
    console.warn(
      `Redis at ${address} is unreachable (${error.message}): retrying every 2 s at most; webhooks and agents wait for it.`,
    );
  });
  connection.on("ready", () => {
    outage.down.delete(connection);
    if (outage.since === undefined || outage.down.size > 0) return;
    console.info(
      `Redis at ${address} is reachable again (after ${Math.round((Date.now() - outage.since) / 1000)} s).`,
    );
    outage.since = undefined;
  });
  // A connection closed on purpose must not hold the outage open.
  connection.on("end", () => outage.down.delete(connection));
}

/** Whether an error only says that Redis cannot be reached (already reported as an outage). */
export function isRedisConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = "code" in error ? String(error.code) : "";
  return (
    ["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "EPIPE"].includes(
      code,
    ) ||
    /Connection is closed|connect ETIMEDOUT|Stream isn't writeable|max retries per request/i.test(
      error.message,
    )
  );
}
