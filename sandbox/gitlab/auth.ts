/**
 * GitLab personal access tokens and their scopes, checked like GitLab: an unknown, expired or
 * revoked token is 401; a valid token without the scope an endpoint needs is 403
 * insufficient_scope (API), and git needs read_repository / write_repository (or api).
 */
import type { IncomingHttpHeaders } from "node:http";
import { HttpError, type ApiRequest } from "../http/router.js";
import type { GitLabState, TokenRecord } from "./state.js";

export type TokenProblem = "missing" | "unknown" | "expired" | "revoked";

export function tokenFromHeaders(headers: IncomingHttpHeaders, query?: URLSearchParams): string | undefined {
  const privateToken = headers["private-token"];
  if (typeof privateToken === "string" && privateToken) return privateToken;
  const bearer = /^bearer\s+(\S+)$/i.exec(headers.authorization ?? "")?.[1];
  return bearer ?? query?.get("private_token") ?? undefined;
}

/** The token record if it is usable now, or why not. */
export function checkToken(state: GitLabState, token: string | undefined): TokenRecord | TokenProblem {
  if (!token) return "missing";
  const record = state.tokens.get(token);
  if (!record) return "unknown";
  if (record.revoked) return "revoked";
  if (record.expiresAt && Date.parse(`${record.expiresAt}T00:00:00Z`) <= Date.now()) return "expired";
  return record;
}

function unauthorized(problem: TokenProblem): HttpError {
  if (problem === "expired") return new HttpError(401, { error: "invalid_token", error_description: "Token has expired." });
  if (problem === "revoked") {
    return new HttpError(401, { error: "invalid_token", error_description: "Token was revoked. You have to re-authorize from the user." });
  }
  return new HttpError(401, { message: "401 Unauthorized" });
}

/**
 * The token of an API request, with the scope its method needs: reads take `api` or
 * `read_api`, writes take `api`. `anyScope` is for endpoints every token may call.
 */
export function requireToken(state: GitLabState, req: ApiRequest, { anyScope = false } = {}): TokenRecord {
  const result = checkToken(state, tokenFromHeaders(req.headers, req.query));
  if (typeof result === "string") throw unauthorized(result);
  if (anyScope) return result;
  const reading = req.method === "GET" || req.method === "HEAD";
  const allowed = reading ? ["api", "read_api"] : ["api"];
  if (!result.scopes.some((scope) => allowed.includes(scope))) {
    throw new HttpError(403, {
      error: "insufficient_scope",
      error_description: "The request requires higher privileges than provided by the access token.",
      scope: allowed.join(" "),
    });
  }
  return result;
}

/** Whether a git request with this password may fetch or push (public projects fetch anonymously). */
export function gitAllowed(state: GitLabState, password: string | undefined, service: "upload-pack" | "receive-pack", isPublic: boolean): boolean {
  if (password === undefined) return service === "upload-pack" && isPublic;
  const record = checkToken(state, password);
  if (typeof record === "string") return false;
  const needed = service === "receive-pack" ? ["api", "write_repository"] : ["api", "read_repository", "write_repository"];
  return record.scopes.some((scope) => needed.includes(scope));
}
