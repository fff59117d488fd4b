/**
 * The Git LFS batch API (git-lfs docs/api/batch.md) as a client: which objects a server has, and
 * where to download or upload the others (basic transfers, docs/api/basic-transfers.md). Failures
 * the user can act on become an `LfsCause` with the service's own message (the refs that need the
 * objects are left out); the rest (credentials, outages) become a MirrorError for the whole sync.
 */
import { MirrorError } from "../errors.js";
import type { GitEndpoint, LfsCause, RemoteName } from "../mirror/types.js";
import { basicAuthorization } from "../mirror/git.js";
import { registerSecret } from "../secrets.js";
import { errorMessage, readText, send } from "./http.js";

export const LFS_JSON = "application/vnd.git-lfs+json";
/** git-lfs' own batch size. */
const BATCH_SIZE = 100;

export interface LfsServer extends GitEndpoint {
  /** For messages and to read the service's answers as it means them. */
  name: RemoteName;
}

export interface LfsAction {
  href: string;
  header?: Record<string, string>;
}

export interface BatchAnswer {
  oid: string;
  size: number;
  /** No actions on an upload: the server already has the object. */
  actions?: { download?: LfsAction; upload?: LfsAction; verify?: LfsAction };
  error?: { code: number; message: string };
}

export type BatchOutcome = { ok: true; answers: Map<string, BatchAnswer> } | { ok: false; cause: LfsCause; message: string };

/** `<git url>/info/lfs`, the default LFS server of a remote (git-lfs docs/api/server-discovery.md). */
export function lfsUrl(gitUrl: string): string {
  const base = gitUrl.replace(/\/+$/, "");
  return `${base.endsWith(".git") ? base : `${base}.git`}/info/lfs`;
}

export async function batch(server: LfsServer, operation: "download" | "upload", objects: Array<{ oid: string; size: number }>, idleTimeoutMs: number): Promise<BatchOutcome> {
  const answers = new Map<string, BatchAnswer>();
  for (let i = 0; i < objects.length; i += BATCH_SIZE) {
    const chunk = objects.slice(i, i + BATCH_SIZE).map(({ oid, size }) => ({ oid, size }));
    const body = Buffer.from(JSON.stringify({ operation, transfers: ["basic"], objects: chunk, hash_algo: "sha256" }));
    const res = await send({
      method: "POST",
      url: `${lfsUrl(server.url)}/objects/batch`,
      headers: { Accept: LFS_JSON, "Content-Type": LFS_JSON, "Content-Length": String(body.length), Authorization: basicAuthorization(server) },
      body,
      idleTimeoutMs,
    });
    if (res.statusCode !== 200) {
      const refused = classifyBatchRefusal(res.statusCode ?? 0, await errorMessage(res), operation, server.name, res.headers["retry-after"]);
      if (refused instanceof MirrorError) throw refused;
      return { ok: false, ...refused };
    }
    let parsed: { objects?: BatchAnswer[] };
    try {
      parsed = JSON.parse(await readText(res)) as typeof parsed;
    } catch (error) {
      throw new MirrorError("transient", `${server.name}'s Git LFS server answered the batch request with something that is not JSON`, { cause: error });
    }
    for (const answer of parsed.objects ?? []) {
      if (typeof answer?.oid !== "string") continue;
      registerActionSecrets(answer);
      answers.set(answer.oid, answer);
    }
  }
  return { ok: true, answers };
}

/**
 * A batch request the server refused as a whole: what the user can fix becomes a cause, the rest
 * a MirrorError. PURE. GitLab answers 404 "Not found." when LFS is off for the project (the
 * project itself exists: git reached it) and 501 when it is off for the instance; GitHub answers
 * 403 "Git LFS is disabled for this repository." or a quota message.
 */
export function classifyBatchRefusal(
  status: number,
  message: string,
  operation: "download" | "upload",
  remote: RemoteName,
  retryAfter?: string | string[],
): { cause: LfsCause; message: string } | MirrorError {
  const onSource = operation === "download";
  const limit = /quota|limit|exceed|storage|too large/i.test(message);
  if (status === 401) {
    return new MirrorError(remote === "GitLab" ? "gitlab_unauthorized" : "auth_failed", `${remote} refused mirror-bot's credentials for Git LFS`, {
      advice: remote === "GitLab" ? "Check that GITLAB_TOKEN is valid and has the `api` or `write_repository` scope." : "Re-run the check; the installation token is renewed.",
    });
  }
  if (status === 501 || (status === 403 && /disabled/i.test(message)) || (status === 404 && remote === "GitLab")) {
    return { cause: onSource ? "missing-on-source" : "lfs-disabled", message };
  }
  if (!onSource && ((status === 403 && limit) || status === 406 || status === 413 || status === 507)) return { cause: "target-limit", message };
  if (onSource && status === 403 && limit) return { cause: "missing-on-source", message };
  if (status === 429 || status >= 500) {
    const seconds = Number(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
    return new MirrorError("transient", `${remote}'s Git LFS server is unavailable (HTTP ${status})`, {
      advice: "The next attempt tries again.",
      ...(Number.isFinite(seconds) && seconds > 0 ? { retryAfterSeconds: seconds } : {}),
    });
  }
  const code = status === 403 || status === 404 ? (remote === "GitLab" ? "gitlab_forbidden" : "github_forbidden") : "git_failed";
  return new MirrorError(code, `${remote} refused Git LFS ${operation === "upload" ? "uploads" : "downloads"}: ${message}`, {
    advice: remote === "GitLab" ? "Check that the GitLab token may push to the project." : "Check that the app is installed on the repository with Contents: read and write.",
  });
}

/** Transfer headers carry credentials (GitLab repeats ours, GitHub issues its own): hidden from every log. */
function registerActionSecrets(answer: BatchAnswer): void {
  for (const action of Object.values(answer.actions ?? {})) {
    for (const value of Object.values(action?.header ?? {})) {
      if (typeof value !== "string") continue;
      registerSecret(value, { expiresAt: Date.now() + 24 * 3600 * 1000 });
      registerSecret(value.split(" ").at(-1), { expiresAt: Date.now() + 24 * 3600 * 1000 });
    }
  }
}
