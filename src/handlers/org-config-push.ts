/**
 * A push that changes `.mirror.yml` on the default branch of the owner's `.github` repository
 * changes what every repository without its own config mirrors: rescan them and reconcile each.
 * (A repository's own `.mirror.yml` needs nothing extra: the push's own job is a full sync.)
 * One of the push handlers every `push` delivery reaches (push.ts, `fanOutPush`).
 */
import type { Logger } from "pino";
import { ORG_CONFIG_REPO } from "../config/org-config.js";
import type { GitHubClient } from "../github/types.js";
import { scanInstallation, type ScannedRepository } from "../index/scan-installations.js";
import type { MirrorIndex } from "../index/mirror-index.js";
import type { ConfigCache } from "../worker/config-cache.js";
import { CONFIG_FILE } from "../worker/config-check.js";
import type { PushDelivery } from "./push.js";

export function pushChangesFile(commits: Array<{ added?: string[]; modified?: string[]; removed?: string[] }>, file: string): boolean {
  return commits.some((c) => [...(c.added ?? []), ...(c.modified ?? []), ...(c.removed ?? [])].includes(file));
}

export interface OrgConfigPushDeps {
  index: MirrorIndex;
  allowedGitLabUrl: string;
  configs: Pick<ConfigCache, "reader">;
  getOctokit(installationId: number): Promise<GitHubClient>;
  log: Logger;
  reconcile(entry: ScannedRepository): void;
}

export function handleOrgConfigPush(deps: OrgConfigPushDeps) {
  return async ({ id, payload }: PushDelivery): Promise<void> => {
    const installationId = payload.installation?.id;
    const owner = payload.repository.owner?.login ?? payload.repository.owner?.name ?? "";
    if (!installationId || payload.repository.name.toLowerCase() !== ORG_CONFIG_REPO) return;
    if (payload.ref !== `refs/heads/${payload.repository.default_branch}` || !pushChangesFile(payload.commits ?? [], CONFIG_FILE)) return;
    const log = deps.log.child({ owner, delivery: id });
    // An installation belongs to one account, so this is every repository the template may reach.
    const octokit = await deps.getOctokit(installationId);
    const scanned = await scanInstallation(octokit, installationId, { ...deps, log });
    const covered = scanned.filter((r) => r.owner.toLowerCase() === owner.toLowerCase());
    for (const entry of covered) deps.reconcile(entry);
    log.info({ repositories: covered.length }, `org-wide ${CONFIG_FILE} changed: reconciling`);
  };
}
