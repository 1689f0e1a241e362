// Signatures for links to Flotilla's pages: HMAC-SHA256 over (run id, agent id, expiry) with a
// key derived from FLOTILLA_PAGE_SECRET or the webhook secret. Whoever holds a link may read the
// pages it names until it expires; nobody can make one without the key.
import { createHmac, timingSafeEqual } from "node:crypto";

export type LinkProblem = "missing" | "malformed" | "invalid" | "expired";

export type LinkCheck =
  | { ok: true; expiresAtMs: number }
  | { ok: false; problem: LinkProblem; expiresAtMs?: number };

const signaturePattern = /^[A-Za-z0-9_-]{43}$/;
const expiryPattern = /^\d{1,12}$/;

/** The signing key, or undefined when neither secret is set (pages and links are then off). */
export function pageLinkKey(secrets: {
  pageSecret: string | undefined;
  webhookSecret: string | undefined;
}): Buffer | undefined {
  const secret = secrets.pageSecret ?? secrets.webhookSecret;
  if (secret === undefined || secret === "") return undefined;
  // A derived key: the webhook secret itself never signs anything but webhooks.
  return createHmac("sha256", secret).update("flotilla page links v1").digest();
}

/** `agentId` is "" for a link to the whole run. `expiresAt` is in Unix seconds. */
export function signPageLink(key: Buffer, runId: string, agentId: string, expiresAt: number): string {
  return createHmac("sha256", key).update(`${runId}\n${agentId}\n${expiresAt}`).digest("base64url");
}

export function checkPageLink(
  key: Buffer,
  link: { runId: string; agentId: string; expires: string | null; signature: string | null },
  nowMs: number = Date.now(),
): LinkCheck {
  if (link.expires === null || link.signature === null) return { ok: false, problem: "missing" };
  if (!expiryPattern.test(link.expires) || !signaturePattern.test(link.signature)) {
    return { ok: false, problem: "malformed" };
  }
  const expiresAt = Number(link.expires);
  const expected = Buffer.from(signPageLink(key, link.runId, link.agentId, expiresAt));
  const given = Buffer.from(link.signature);
  // Both are 43 characters here (checked above), as timingSafeEqual requires.
  if (!timingSafeEqual(expected, given)) return { ok: false, problem: "invalid" };
  const expiresAtMs = expiresAt * 1000;
  if (expiresAtMs <= nowMs) return { ok: false, problem: "expired", expiresAtMs };
  return { ok: true, expiresAtMs };
}
