// WEBHOOK_PROXY_URL: for a machine GitHub cannot reach (a laptop), GitHub delivers to a smee.io
// channel and this process forwards each delivery to its own webhook path, with smee-client as
// Probot does. Deliveries keep GitHub's signature headers, so they are verified like any other.
import type { Logger } from "pino";
import { SmeeClient } from "smee-client";

export interface WebhookProxy {
  stop(): Promise<void>;
}

export function startWebhookProxy(source: string, target: string, log: Logger): WebhookProxy {
  const client = new SmeeClient({
    source,
    target,
    logger: {
      info: (message: unknown) => log.info(String(message)),
      error: (message: unknown, detail?: unknown) =>
        log.warn({ detail: detail === undefined ? undefined : String(detail) }, String(message)),
    },
  });
  // The channel may be unreachable for a while; the event source keeps reconnecting on its own.
  const started = client.start().catch((error: unknown) => {
    log.warn({ err: error, source }, "webhook proxy: not connected yet, retrying");
  });
  return {
    stop: async () => {
      await started;
      await client.stop();
    },
  };
}
