// auth-app keeps installation tokens 59 minutes whatever their expiry: the wrapper makes a token
// that is about to die read as missing, so a fresh one is minted; anything else passes through.
import { describe, expect, it } from "vitest";
import {
  expiryAwareTokenCache,
  refreshMarginMs,
  type TokenCache,
} from "../../src/github/installation-token-cache.ts";

/** An entry as auth-app writes it: `token|createdAt|expiresAt|selection|permissions|file`. */
function entry(createdAtMs: number, lifetimeMs: number): string {
  const iso = (ms: number) => new Date(ms).toISOString();
  return ["ghs_x", iso(createdAtMs), iso(createdAtMs + lifetimeMs), "all", "checks!,contents!", ""].join("|");
}

function mapCache(): TokenCache & { values: Map<string, unknown> } {
  const values = new Map<string, unknown>();
  return { values, get: (key) => values.get(key), set: (key, value) => values.set(key, value) };
}

const hour = 3_600_000;
const createdAt = Date.parse("2026-06-01T10:00:00Z");

describe("expiryAwareTokenCache", () => {
  it("hands out an hour-long token until five minutes before it expires", async () => {
    let now = createdAt;
    const inner = mapCache();
    const cache = expiryAwareTokenCache(inner, () => now);
    await cache.set("42", entry(createdAt, hour));

    now = createdAt + hour - refreshMarginMs - 1;
    expect(await cache.get("42")).toBe(entry(createdAt, hour));
    now = createdAt + hour - refreshMarginMs;
    expect(await cache.get("42")).toBeUndefined();
    expect(inner.values.get("42")).toBe(entry(createdAt, hour));
  });

  it("replaces a short-lived token at half its life", async () => {
    let now = createdAt;
    const cache = expiryAwareTokenCache(mapCache(), () => now);
    await cache.set("7", entry(createdAt, 8_000));

    now = createdAt + 3_999;
    expect(await cache.get("7")).toBeDefined();
    now = createdAt + 4_000;
    expect(await cache.get("7")).toBeUndefined();
  });

  it("leaves entries it cannot read to auth-app, and wraps a cache only once", async () => {
    const inner = mapCache();
    const cache = expiryAwareTokenCache(inner, () => createdAt + 10 * hour);
    await cache.set("odd", "not-an-entry");

    expect(await cache.get("odd")).toBe("not-an-entry");
    expect(await cache.get("missing")).toBeUndefined();
    expect(expiryAwareTokenCache(cache)).toBe(cache);
  });
});
