// What the page routes need: records, the agents' live event streams, signed links, a way to
// open a Redis connection of its own for each live tail (XREAD BLOCK holds its connection), and
// metrics and logs.
import type { Redis } from "ioredis";
import type { Services } from "../../services.ts";

/** `links` is undefined when no secret is configured: pages are then switched off. */
export interface PageContext extends Pick<Services, "store" | "events" | "links" | "metrics" | "log"> {
  /** The key links are signed with (undefined with `links`). */
  key: Buffer | undefined;
  blockingConnection: () => Redis;
  /** Open live tails this process serves at most. @defaultValue 200 */
  maxLiveViewers?: number;
  /** How long a live tail's read waits for news. @defaultValue 2_000 */
  liveBlockMs?: number;
}
