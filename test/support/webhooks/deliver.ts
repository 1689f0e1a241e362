// Delivering a webhook the way GitHub does: the JSON body signed with HMAC-SHA256 of the app's
// webhook secret, POSTed with the event name and a delivery id in headers.
import { createHmac } from "node:crypto";

/** `X-Hub-Signature-256` for `body`: `sha256=` and the hex HMAC-SHA256 keyed with the secret. */
export function signWebhook(body: string, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** POSTs the delivery to `url` the way GitHub does: JSON body, event/delivery/signature headers. */
export async function postWebhook(
  url: string,
  delivery: { id: string; name: string; payload: unknown },
  secret: string,
): Promise<Response> {
  const body = JSON.stringify(delivery.payload);
  return fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "user-agent": "GitHub-Hookshot/fake",
      "x-github-event": delivery.name,
      "x-github-delivery": delivery.id,
      "x-hub-signature-256": signWebhook(body, secret),
    },
    body,
  });
}
