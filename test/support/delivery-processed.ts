// The one thing a test waits on after a webhook was answered: the delivery's processing by the
// delivery consumer (web/process-delivery.ts). A delivery the intake did not store (an ordinary
// comment, a bot's) has nothing to wait for; the intake stores before it answers, so after a 2xx
// "absent" means it was never stored.
import type { DeliveryState, IntakeQueue } from "../../src/queue/intake-queue.ts";
import { waitFor } from "./wait-for.ts";

/** Resolves with how the delivery's processing ended ("completed", "failed") or "absent". */
export async function deliveryProcessed(
  intake: Pick<IntakeQueue, "state">,
  deliveryId: string,
  options: { timeoutMs?: number } = {},
): Promise<Exclude<DeliveryState, "pending">> {
  return waitFor(
    async () => {
      const state = await intake.state(deliveryId);
      return state === "pending" ? undefined : state;
    },
    {
      what: `delivery ${deliveryId} to be processed`,
      intervalMs: 20,
      timeoutMs: options.timeoutMs ?? 60_000,
    },
  );
}
