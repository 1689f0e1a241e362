// @octokit/auth-app keeps installation tokens for 59 minutes whatever their `expires_at` says
// (Probot's cache is an LRU with a fixed age), so a token can be handed out with seconds to live,
// and one that a GitHub Enterprise server or a stand-in issues for less than an hour after it
// died. This wrapper around that cache treats a token as gone once it is close to its expiry.

/** The cache interface auth-app uses (`toad-cache`'s Lru has it). */
export interface TokenCache {
  get(key: string): unknown;
  set(key: string, value: unknown): unknown;
}

/** A token is replaced once less than this is left: the longest git command runs five minutes. */
export const refreshMarginMs = 5 * 60_000;

const wrapped = new WeakSet<TokenCache>();

export function isTokenCache(value: unknown): value is TokenCache {
  return (
    typeof value === "object" &&
    value !== null &&
    "get" in value &&
    typeof value.get === "function" &&
    "set" in value &&
    typeof value.set === "function"
  );
}

/**
 * The same cache, but an entry whose token expires within `refreshMarginMs` (or within half its
 * lifetime, for tokens that live less than ten minutes) reads as missing, so auth-app mints a
 * new one.
 */
export function expiryAwareTokenCache(cache: TokenCache, now: () => number = Date.now): TokenCache {
  if (wrapped.has(cache)) return cache;
  const aware: TokenCache = {
    async get(key) {
      const value: unknown = await cache.get(key);
      return typeof value === "string" && expiresSoon(value, now()) ? undefined : value;
    },
    set: (key, value) => cache.set(key, value),
  };
  wrapped.add(aware);
  return aware;
}

/**
 * auth-app stores `token|createdAt|expiresAt|…` (ISO dates). An entry that does not read that
 * way is left to auth-app, as before.
 */
function expiresSoon(entry: string, nowMs: number): boolean {
  const [, createdAt = "", expiresAt = ""] = entry.split("|");
  const createdMs = Date.parse(createdAt);
  const expiresMs = Date.parse(expiresAt);
  if (!Number.isFinite(createdMs) || !Number.isFinite(expiresMs)) return false;
  const margin = Math.min(refreshMarginMs, (expiresMs - createdMs) / 2);
  return expiresMs - nowMs <= margin;
}
