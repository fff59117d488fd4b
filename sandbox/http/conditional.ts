/**
 * Conditional GETs as GitHub answers them: a 200 carries a weak `ETag` computed from its body; a
 * request whose `If-None-Match` names the current ETag gets `304 Not Modified` with no body (and,
 * on GitHub, costs no rate limit). The ETag changes exactly when the body does.
 */
import { createHash } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { ApiResponse } from "./router.js";

export function etagOf(body: unknown): string {
  return `W/"${createHash("sha256").update(JSON.stringify(body)).digest("hex").slice(0, 40)}"`;
}

/** `If-None-Match` may list several ETags (`"a", W/"b"`) or `*`; weak and strong forms compare equal. */
function matches(header: string | string[] | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const bare = (tag: string) => tag.trim().replace(/^W\//, "");
  const listed = (Array.isArray(header) ? header.join(",") : header).split(",").map(bare);
  return listed.includes("*") || listed.includes(bare(etag));
}

/** A 200 with its ETag, or a 304 when the client already holds this body. */
export function conditional(headers: IncomingHttpHeaders, body: unknown): ApiResponse {
  const etag = etagOf(body);
  if (matches(headers["if-none-match"], etag)) return { status: 304, headers: { etag } };
  return { status: 200, body, headers: { etag } };
}
