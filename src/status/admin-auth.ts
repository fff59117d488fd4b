/**
 * Who may see the status: a holder of MIRROR_ADMIN_TOKEN, shown either as `Authorization: Bearer`
 * (scripts, Prometheus) or as the session cookie the login form sets (browsers).
 *
 * The cookie never holds the token: it is `v1.<issued at, unix seconds>.<HMAC-SHA256>`, keyed by
 * the cookie secret or, without one, by a key derived from the admin token, so rotating the token
 * signs every browser out and replicas sharing the token accept each other's cookies.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

export const COOKIE_NAME = "mirror_admin";
export const COOKIE_PATH = "/mirror";
export const SESSION_SECONDS = 12 * 60 * 60;

export interface AdminAuth {
  /** Bearer token or valid cookie. */
  isAdmin(req: IncomingMessage, nowMs?: number): boolean;
  tokenMatches(candidate: string): boolean;
  /** The Set-Cookie value for a fresh session. */
  sessionCookie(options: { secure: boolean; nowMs?: number }): string;
}

export function createAdminAuth(adminToken: string, cookieSecret?: string): AdminAuth {
  const key = createHmac("sha256", cookieSecret ?? adminToken)
    .update("mirror-bot status session v1")
    .digest();
  const sign = (issuedAt: string) => createHmac("sha256", key).update(`v1.${issuedAt}`).digest("base64url");

  const tokenMatches = (candidate: string) => constantTimeEqual(candidate, adminToken);

  const cookieValid = (value: string, nowMs: number) => {
    const [version, issuedAt, signature, ...rest] = value.split(".");
    if (version !== "v1" || !issuedAt || !signature || rest.length > 0 || !/^\d{1,12}$/.test(issuedAt)) return false;
    if (!constantTimeEqual(signature, sign(issuedAt))) return false;
    const age = nowMs / 1000 - Number(issuedAt);
    return age >= -60 && age < SESSION_SECONDS; // a minute of clock skew between replicas
  };

  return {
    tokenMatches,
    isAdmin(req, nowMs = Date.now()) {
      const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "")?.[1];
      if (bearer !== undefined) return tokenMatches(bearer);
      const cookie = readCookie(req.headers.cookie, COOKIE_NAME);
      return cookie !== undefined && cookieValid(cookie, nowMs);
    },
    sessionCookie({ secure, nowMs = Date.now() }) {
      const issuedAt = String(Math.floor(nowMs / 1000));
      const attributes = [`Path=${COOKIE_PATH}`, `Max-Age=${SESSION_SECONDS}`, "HttpOnly", "SameSite=Strict", ...(secure ? ["Secure"] : [])];
      return [`${COOKIE_NAME}=v1.${issuedAt}.${sign(issuedAt)}`, ...attributes].join("; ");
    },
  };
}

/** Hashing first makes the comparison independent of both lengths (timingSafeEqual needs equal ones). */
function constantTimeEqual(a: string, b: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();
  return timingSafeEqual(digest(a), digest(b));
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
