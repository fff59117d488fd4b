/**
 * GitHub App authentication as GitHub does it: the app signs a short-lived RS256 JWT with its
 * private key (PKCS#1 PEM, the format GitHub hands out), trades it for an installation token
 * (`ghs_…`, one hour), and uses that token on API and git requests.
 */
import { createPublicKey, generateKeyPair, randomBytes, verify, type KeyObject } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { promisify } from "node:util";
import { HttpError } from "../http/router.js";

export const DOCS_URL = "https://docs.github.com/rest";

export interface AppKeys {
  privateKeyPem: string;
  publicKey: KeyObject;
}

export async function generateAppKeys(): Promise<AppKeys> {
  const { privateKey } = await promisify(generateKeyPair)("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
  });
  return { privateKeyPem: privateKey, publicKey: createPublicKey(privateKey) };
}

function unauthorized(message: string): HttpError {
  return new HttpError(401, { message, documentation_url: DOCS_URL });
}

/** The bearer credential of a request, from `Authorization: Bearer X` or `token X`. */
export function credential(headers: IncomingHttpHeaders): string | undefined {
  const match = /^(?:bearer|token)\s+(\S+)$/i.exec(headers.authorization ?? "");
  return match?.[1];
}

/** Checks an app JWT like GitHub: signature, issuer, and a lifetime of at most ten minutes. */
export function verifyAppJwt(headers: IncomingHttpHeaders, appId: number, publicKey: KeyObject): void {
  const jwt = /^bearer\s+(\S+)$/i.exec(headers.authorization ?? "")?.[1];
  const parts = jwt?.split(".");
  if (!parts || parts.length !== 3) throw unauthorized("A JSON web token could not be decoded");
  const [header, payload, signature] = parts as [string, string, string];
  let claims: { iss?: unknown; iat?: unknown; exp?: unknown };
  try {
    const alg = (JSON.parse(Buffer.from(header, "base64url").toString()) as { alg?: string }).alg;
    claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as typeof claims;
    if (alg !== "RS256") throw new Error(`alg ${alg}`);
  } catch {
    throw unauthorized("A JSON web token could not be decoded");
  }
  if (String(claims.iss) !== String(appId)) throw unauthorized("Integration not found");
  const signed = verify("RSA-SHA256", Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature, "base64url"));
  if (!signed) throw unauthorized("A JSON web token could not be decoded");
  const now = Math.floor(Date.now() / 1000);
  if (typeof claims.iat !== "number" || claims.iat > now + 60) {
    throw unauthorized("'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued");
  }
  if (typeof claims.exp !== "number" || claims.exp <= now) {
    throw unauthorized("'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires");
  }
  if (claims.exp - claims.iat > 660) throw unauthorized("'Expiration time' claim ('exp') is too far in the future");
}

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

export function randomToken(prefix: string, length = 36): string {
  const bytes = randomBytes(length);
  let out = prefix;
  for (const byte of bytes) out += ALPHANUMERIC[byte % ALPHANUMERIC.length];
  return out;
}

/** GitHub's timestamps: ISO 8601 to the second, in UTC. */
export function isoSeconds(date: Date | number = Date.now()): string {
  return new Date(date).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Installation tokens in memory: token → installation and expiry. */
export class InstallationTokens {
  readonly #tokens = new Map<string, { installationId: number; expiresAt: number; permissions: Record<string, string> }>();
  /** Every token issued, expired ones included (for secret scans and token-reuse checks). */
  readonly issuedTokens: string[] = [];

  /** A token carries the permissions it was issued with (GitHub's response lists them). */
  issue(installationId: number, ttlMs = 3_600_000, permissions: Record<string, string> = {}): { token: string; expiresAt: string } {
    const token = randomToken("ghs_");
    const expiresAt = Date.now() + ttlMs;
    this.#tokens.set(token, { installationId, expiresAt, permissions: { ...permissions } });
    this.issuedTokens.push(token);
    return { token, expiresAt: isoSeconds(expiresAt) };
  }

  /** The installation a live token belongs to. */
  installationOf(token: string | undefined): number | undefined {
    const entry = token ? this.#tokens.get(token) : undefined;
    return entry && entry.expiresAt > Date.now() ? entry.installationId : undefined;
  }

  /** The permissions a live token was issued with. */
  permissionsOf(token: string | undefined): Record<string, string> | undefined {
    const entry = token ? this.#tokens.get(token) : undefined;
    return entry && entry.expiresAt > Date.now() ? entry.permissions : undefined;
  }

  /** Make every issued token invalid, as if an hour had passed. */
  expireAll(): void {
    this.#tokens.clear();
  }
}
