/**
 * What a webhook tells the config cache (worker/config-cache.ts). A push to a repository's default
 * branch that touches `.mirror.yml`, or whose payload may not list everything it changed, bumps the
 * repository's version before any push handler runs, so the job it queues (and, for the `.github`
 * repository, every repository on the org-wide file) reads the file again, conditionally. An
 * installation event bumps the installation's version. With REDIS_URL the versions are shared,
 * so every replica's cache sees the bump.
 */
import type { Logger } from "pino";
import type { Context } from "probot";
import { installationVersionKey, repoVersionKey, type CacheVersions } from "../records/cache-versions.js";
import { CONFIG_FILE } from "../worker/config-check.js";
import type { PushDelivery, PushHandler } from "./push.js";

/**
 * A push delivery's `commits` holds at most 2048 commits (the limit of 20 in GitHub's reference
 * applies to timeline events, not webhook deliveries). GitHub documents no limit on a commit's
 * `added`/`modified`/`removed` lists; a commit listing 3,000 files or more is taken as cut short.
 * At or past either count the payload may not say whether `.mirror.yml` changed.
 */
export const LISTED_COMMITS_LIMIT = 2048;
export const LISTED_FILES_LIMIT = 3_000;

type PushPayload = PushDelivery["payload"];
type PushCommit = { added?: string[]; modified?: string[]; removed?: string[] };

/**
 * PURE: whether a push may have changed `.mirror.yml` on the default branch: it touched the file,
 * or it was forced (history rewritten: the file may be back at any version), created or deleted
 * the branch, or its list of commits or files may be truncated (or is empty, so says nothing).
 */
export function pushMayChangeConfig(payload: Pick<PushPayload, "ref" | "forced" | "created" | "deleted" | "repository"> & { commits?: PushCommit[] }): boolean {
  const defaultBranch = payload.repository.default_branch ?? payload.repository.master_branch;
  if (payload.ref !== `refs/heads/${defaultBranch}`) return false;
  if (payload.forced || payload.created || payload.deleted) return true;
  const commits = payload.commits ?? [];
  if (commits.length === 0 || commits.length >= LISTED_COMMITS_LIMIT) return true;
  return commits.some((c) => {
    const files = [...(c.added ?? []), ...(c.modified ?? []), ...(c.removed ?? [])];
    return files.length >= LISTED_FILES_LIMIT || files.includes(CONFIG_FILE);
  });
}

/** Runs `next` (every push handler) after invalidating what the push may have changed. */
export function invalidateConfigOnPush(versions: CacheVersions, log: Pick<Logger, "warn">, next: PushHandler): PushHandler {
  return async (delivery) => {
    const { payload } = delivery;
    if (pushMayChangeConfig(payload)) {
      const owner = payload.repository.owner?.login ?? payload.repository.owner?.name ?? "";
      await versions.bump([repoVersionKey(owner, payload.repository.name)]).catch((error) =>
        // The job still runs; cached readings are checked with GitHub within a minute anyway.
        log.warn({ err: error, repo: `${owner}/${payload.repository.name}`, delivery: delivery.id }, `could not invalidate the cached ${CONFIG_FILE}`),
      );
    }
    await next(delivery);
  };
}

/** Any `installation` or `installation_repositories` event: every cached config of the installation is read again. */
export function handleInstallationChanged(versions: CacheVersions) {
  return async (context: Context<"installation" | "installation_repositories">): Promise<void> => {
    await versions.bump([installationVersionKey(context.payload.installation.id)]);
  };
}
