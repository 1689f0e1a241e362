// The delivery consumer: takes stored webhook deliveries from the intake queue and runs Flotilla's
// handlers on them through Probot (`probot.receive`), which builds the same `context` (payload,
// an installation's octokit, `context.config`) as for a delivery it had just received. A handler
// that throws makes the delivery be tried again later; handlers are idempotent per delivery id.
import type { Redis } from "ioredis";
import type { Probot } from "probot";
import { type IntakeConsumer, type StoredDelivery, startIntakeConsumer } from "../queue/intake-queue.ts";
import { isRedisConnectionError } from "../redis/redis-outage.ts";
import type { Services } from "../services.ts";
import type { IntakeFirstGate } from "./intake-first.ts";

type ConsumerServices = Pick<Services, "config" | "log" | "metrics">;

/**
 * Starts consuming stored deliveries with `probot`, which has Flotilla's app loaded; each waits
 * for `gate` first, so that answering new deliveries comes first (web/intake-first.ts).
 */
export function startDeliveryConsumer(
  deps: ConsumerServices,
  probot: Pick<Probot, "receive">,
  connection: Redis,
  gate: Pick<IntakeFirstGate, "admit">,
): IntakeConsumer {
  const log = deps.log.child({ name: "deliveries" });
  return startIntakeConsumer(
    connection,
    {
      prefix: deps.config.redisPrefix,
      concurrency: deps.config.webhookConcurrency,
      lockDurationMs: deps.config.lockDurationMs,
      stalledIntervalMs: deps.config.stalledIntervalMs,
      onFinalFailure: (delivery, error, attempts) => {
        deps.metrics.error("delivery");
        log.error(
          { err: error, deliveryId: delivery?.id, event: delivery?.name, attempts },
          "webhook delivery failed for good; redeliver it from the app's advanced settings once the cause is fixed",
        );
      },
      onError: (error) => {
        // Redis being away is reported once for the whole process (redis/redis-outage.ts).
        if (isRedisConnectionError(error)) return;
        deps.metrics.error("delivery");
        log.error({ err: error }, "delivery consumer error");
      },
    },
    async (delivery) => {
      await gate.admit();
      await receiveStored(probot, delivery);
    },
  );
}

function receiveStored(probot: Pick<Probot, "receive">, delivery: StoredDelivery): Promise<void> {
  // The payload is GitHub's, exactly as verified against WEBHOOK_SECRET when it was stored; its
  // shape per event is what @octokit/webhooks declares, which no schema here could add to.
  const event = { id: delivery.id, name: delivery.name, payload: delivery.payload } as Parameters<
    Probot["receive"]
  >[0];
  return probot.receive(event);
}
