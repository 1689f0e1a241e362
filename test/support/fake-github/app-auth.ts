// GitHub App authentication as GitHub checks it: app JWTs (RS256, `iss` = app id, at most 10
// minutes ahead) for `/app/...` routes, installation tokens (`ghs_…`) for everything else.
// Signatures are verified only when the fake was given the app's private key. Tokens live an
// hour as on GitHub, or as long as a test says (a few seconds, to see who uses a stale one).
import { createPublicKey, type KeyObject, verify } from "node:crypto";

export interface AppJwtRecord {
  at: number;
  issuer: string;
  issuedAt: number;
  expiresAt: number;
  signatureVerified: boolean;
}

export interface IssuedToken {
  token: string;
  installationId: number;
  /** GitHub's format, whole seconds: `2026-01-01T10:00:00Z`. */
  expiresAt: string;
  issuedAt: number;
}

/** GitHub's installation tokens live one hour. */
const defaultTokenLifetimeMs = 3_600_000;

export type Caller =
  | { kind: "app-jwt"; appId: number }
  | { kind: "installation-token"; installationId: number; token: string }
  | { kind: "none" }
  | { kind: "invalid"; reason: string };

const maxJwtLifetimeSeconds = 600;
const clockSkewSeconds = 60;

export class AppAuth {
  readonly jwts: AppJwtRecord[] = [];
  readonly tokens = new Map<string, IssuedToken>();
  private readonly appId: number;
  private readonly publicKey: KeyObject | undefined;
  private readonly tokenLifetimeMs: number;

  constructor(appId: number, privateKeyPem: string | undefined, tokenLifetimeMs = defaultTokenLifetimeMs) {
    this.appId = appId;
    this.publicKey = privateKeyPem === undefined ? undefined : createPublicKey(privateKeyPem);
    this.tokenLifetimeMs = tokenLifetimeMs;
  }

  issueToken(installationId: number): IssuedToken {
    const now = Date.now();
    const issued: IssuedToken = {
      token: `ghs_fake_${this.tokens.size + 1}`,
      installationId,
      // Whole seconds, as GitHub writes it; the token dies at exactly the time it says.
      expiresAt: `${new Date(now + this.tokenLifetimeMs).toISOString().slice(0, 19)}Z`,
      issuedAt: now,
    };
    this.tokens.set(issued.token, issued);
    return issued;
  }

  /** The installation a live token belongs to, or why it is not one. */
  checkToken(token: string): { installationId: number } | { refused: string } {
    const issued = this.tokens.get(token);
    if (issued === undefined) return { refused: "unknown installation token" };
    if (Date.parse(issued.expiresAt) <= Date.now()) return { refused: "expired installation token" };
    return { installationId: issued.installationId };
  }

  /** Who sent the request, from `Authorization: Bearer <jwt>` or `token <ghs_…>`. */
  identify(authorization: string | undefined): Caller {
    if (authorization === undefined) return { kind: "none" };
    const [scheme = "", credential = ""] = authorization.split(" ", 2);
    if (credential.startsWith("ghs_")) {
      const checked = this.checkToken(credential);
      if ("refused" in checked) return { kind: "invalid", reason: checked.refused };
      return { kind: "installation-token", installationId: checked.installationId, token: credential };
    }
    if (scheme.toLowerCase() === "bearer" && credential.split(".").length === 3)
      return this.checkJwt(credential);
    return { kind: "invalid", reason: `unsupported credentials (${scheme})` };
  }

  private checkJwt(jwt: string): Caller {
    const [header = "", payload = "", signature = ""] = jwt.split(".");
    const claims = parseJson(Buffer.from(payload, "base64url").toString("utf8"));
    const alg = parseJson(Buffer.from(header, "base64url").toString("utf8"))?.alg;
    const issuer = String(claims?.iss ?? "");
    const issuedAt = Number(claims?.iat);
    const expiresAt = Number(claims?.exp);
    const signatureVerified =
      this.publicKey !== undefined &&
      alg === "RS256" &&
      verify(
        "RSA-SHA256",
        Buffer.from(`${header}.${payload}`),
        this.publicKey,
        Buffer.from(signature, "base64url"),
      );
    this.jwts.push({ at: Date.now(), issuer, issuedAt, expiresAt, signatureVerified });

    const now = Date.now() / 1000;
    if (this.publicKey !== undefined && !signatureVerified)
      return { kind: "invalid", reason: "bad JWT signature" };
    if (issuer !== String(this.appId)) return { kind: "invalid", reason: `JWT iss ${issuer} is not the app` };
    if (!(expiresAt > now)) return { kind: "invalid", reason: "JWT expired" };
    if (expiresAt > now + maxJwtLifetimeSeconds + clockSkewSeconds) {
      return { kind: "invalid", reason: "'Expiration time' claim ('exp') is too far in the future" };
    }
    if (!(issuedAt <= now + clockSkewSeconds)) return { kind: "invalid", reason: "JWT issued in the future" };
    return { kind: "app-jwt", appId: this.appId };
  }
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
