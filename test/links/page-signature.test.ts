// Signed page links: a link opens exactly the page it was made for, until it expires; changing
// any part of it, or signing with another key, makes it invalid.
import { describe, expect, it } from "vitest";
import { PageLinks } from "../../src/links/page-links.ts";
import { checkPageLink, pageLinkKey, signPageLink } from "../../src/links/page-signature.ts";

const key = pageLinkKey({ pageSecret: undefined, webhookSecret: "webhook-secret-for-tests" });
if (key === undefined) throw new Error("no key");
const now = Date.UTC(2026, 10, 25, 12, 0, 0);

function parts(url: string) {
  const parsed = new URL(url);
  return {
    path: parsed.pathname,
    expires: parsed.searchParams.get("exp"),
    signature: parsed.searchParams.get("sig"),
  };
}

describe("page links", () => {
  const links = new PageLinks({
    publicUrl: "https://flotilla.example",
    key,
    ttlMs: 7 * 86_400_000,
    now: () => now,
  });
  const agent = { id: "r0123456789ab/fix-tests", runId: "r0123456789ab" };

  it("links an agent page that its signature opens, for the configured time rounded up to the hour", () => {
    const link = parts(links.agentPage(agent));
    expect(link.path).toBe("/agents/r0123456789ab/fix-tests");
    const check = checkPageLink(key, { runId: agent.runId, agentId: agent.id, ...link }, now);
    expect(check).toEqual({ ok: true, expiresAtMs: now + 7 * 86_400_000 });
  });

  it("refuses the same signature for another agent, another run, or the run page", () => {
    const link = parts(links.agentPage(agent));
    for (const subject of [
      { runId: agent.runId, agentId: "r0123456789ab/other" },
      { runId: "rffffffffffff", agentId: agent.id },
      { runId: agent.runId, agentId: "" },
    ]) {
      expect(checkPageLink(key, { ...subject, ...link }, now)).toEqual({ ok: false, problem: "invalid" });
    }
  });

  it("refuses a changed expiry, another key, a missing or malformed signature", () => {
    const link = parts(links.runPage({ id: agent.runId }));
    const subject = { runId: agent.runId, agentId: "" };
    expect(checkPageLink(key, { ...subject, ...link }, now).ok).toBe(true);
    const later = String(Number(link.expires) + 3600);
    expect(checkPageLink(key, { ...subject, ...link, expires: later }, now)).toEqual({
      ok: false,
      problem: "invalid",
    });
    const otherKey = pageLinkKey({
      pageSecret: "a-dedicated-page-secret",
      webhookSecret: "webhook-secret-for-tests",
    });
    expect(checkPageLink(otherKey ?? Buffer.alloc(32), { ...subject, ...link }, now).ok).toBe(false);
    expect(checkPageLink(key, { ...subject, expires: null, signature: null }, now)).toEqual({
      ok: false,
      problem: "missing",
    });
    expect(checkPageLink(key, { ...subject, ...link, signature: "short" }, now)).toEqual({
      ok: false,
      problem: "malformed",
    });
    expect(checkPageLink(key, { ...subject, ...link, expires: "soon" }, now)).toEqual({
      ok: false,
      problem: "malformed",
    });
  });

  it("refuses a genuine link once it has expired, and says when it expired", () => {
    const expiresAt = Math.floor(now / 1000) - 60;
    const signature = signPageLink(key, agent.runId, agent.id, expiresAt);
    expect(
      checkPageLink(
        key,
        { runId: agent.runId, agentId: agent.id, expires: String(expiresAt), signature },
        now,
      ),
    ).toEqual({ ok: false, problem: "expired", expiresAtMs: expiresAt * 1000 });
  });

  it("has no key without a secret, and derives different keys from different secrets", () => {
    expect(pageLinkKey({ pageSecret: undefined, webhookSecret: undefined })).toBeUndefined();
    const fromPageSecret = pageLinkKey({ pageSecret: "a-dedicated-page-secret", webhookSecret: "x" });
    expect(fromPageSecret?.equals(key)).toBe(false);
    // The key is derived, never the secret's own bytes.
    expect(key.toString("utf8")).not.toContain("webhook-secret-for-tests");
  });
});
