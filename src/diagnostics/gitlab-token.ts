/**
 * PURE pre-flight of the GitLab token (from GET /personal_access_tokens/self): expired, about to
 * expire, or lacking a scope mirror-bot needs. Each finding says what to do.
 */
import type { GitLabTokenInfo } from "../gitlab/client.js";

export const EXPIRY_WARNING_DAYS = 7;

export interface Diagnostic {
  level: "error" | "warning";
  title: string;
  advice: string;
}

const DAY_MS = 86_400_000;

export function diagnoseGitLabToken(info: GitLabTokenInfo, now = Date.now()): Diagnostic[] {
  const found: Diagnostic[] = [];
  const renew = "The app's operator must create a new token (scopes `api` and `write_repository`) and set `GITLAB_TOKEN` to it.";
  if (!info.active) found.push({ level: "error", title: "mirror-bot's GitLab token is revoked or inactive", advice: renew });
  if (info.expiresAt) {
    // GitLab tokens expire at the start of their expiry date (UTC).
    const expires = Date.parse(`${info.expiresAt}T00:00:00Z`);
    const days = Math.ceil((expires - now) / DAY_MS);
    if (expires <= now) found.push({ level: "error", title: `mirror-bot's GitLab token expired on ${info.expiresAt}`, advice: renew });
    else if (days <= EXPIRY_WARNING_DAYS) {
      found.push({
        level: "warning",
        title: `mirror-bot's GitLab token expires on ${info.expiresAt} (in ${days} day${days === 1 ? "" : "s"})`,
        advice: `Mirroring stops then. ${renew}`,
      });
    }
  }
  const has = (scope: string) => info.scopes.includes(scope);
  if (!has("api") && !has("read_api")) {
    found.push({
      level: "error",
      title: "mirror-bot's GitLab token lacks the `api` scope",
      advice: "It cannot look up projects. Give the token the `api` scope (or create a new one with `api` and `write_repository`).",
    });
  }
  if (!has("api") && !has("write_repository")) {
    found.push({
      level: "error",
      title: "mirror-bot's GitLab token lacks the `write_repository` scope",
      advice: "It cannot push. Give the token the `write_repository` scope (or `api`).",
    });
  }
  return found;
}

/** PURE: the findings as a Markdown section for a check run summary. */
export function renderDiagnostics(found: Diagnostic[]): string {
  if (found.length === 0) return "";
  return ["### Pre-flight checks", "", ...found.map((d) => `- ${d.level === "error" ? "❌" : "⚠️"} **${d.title}.** ${d.advice}`)].join("\n");
}
