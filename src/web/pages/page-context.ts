// What the page routes need: records, the agents' live event streams, signed links, a way to
// open a Redis connection of its own for each live tail (XREAD BLOCK holds its connection), and
// metrics and logs.
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { PageLinks } from "../../links/page-links.ts";
import type { FlotillaMetrics } from "../../ops/metrics.ts";
import type { AgentEventLog } from "../../store/agent-event-log.ts";
import type { RunStore } from "../../store/run-store.ts";

export interface PageContext {
  store: RunStore;
  events: AgentEventLog;
  /** Undefined when no secret is configured: pages are then switched off. */
  links: PageLinks | undefined;
  key: Buffer | undefined;
  blockingConnection: () => Redis;
  metrics: FlotillaMetrics;
  log: Logger;
  /** Open live tails this process serves at most. @defaultValue 200 */
  maxLiveViewers?: number;
  /** How long a live tail's read waits for news. @defaultValue 2_000 */
  liveBlockMs?: number;
}
