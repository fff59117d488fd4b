/**
 * A push that changes `.mirror.yml` on the default branch of the owner's `.github` repository
 * changes what every repository without its own config mirrors: rescan them and reconcile each.
 * (A repository's own `.mirror.yml` needs nothing extra: the push's own job is a full sync.)
 */
import type { Context } from "probot";
import { ORG_CONFIG_REPO } from "../config/org-config.js";
import type { GitHubClient } from "../github/types.js";
import { scanInstallation, type ScannedRepository } from "../index/scan-installations.js";
import type { MirrorIndex } from "../index/mirror-index.js";
import { CONFIG_FILE } from "../worker/config-check.js";

export function pushChangesFile(commits: Array<{ added?: string[]; modified?: string[]; removed?: string[] }>, file: string): boolean {
  return commits.some((c) => [...(c.added ?? []), ...(c.modified ?? []), ...(c.removed ?? [])].includes(file));
}

export function handleOrgConfigPush(deps: { index: MirrorIndex; allowedGitLabUrl: string; reconcile(entry: ScannedRepository): void }) {
  return async (context: Context<"push">): Promise<void> => {
    const { payload } = context;
    const installationId = payload.installation?.id;
    const owner = payload.repository.owner?.login ?? payload.repository.owner?.name ?? "";
    if (!installationId || payload.repository.name.toLowerCase() !== ORG_CONFIG_REPO) return;
    if (payload.ref !== `refs/heads/${payload.repository.default_branch}` || !pushChangesFile(payload.commits ?? [], CONFIG_FILE)) return;
    // An installation belongs to one account, so this is every repository the template may reach.
    const scanned = await scanInstallation(context.octokit as GitHubClient, installationId, deps.index, deps.allowedGitLabUrl, context.log);
    for (const entry of scanned.filter((r) => r.owner.toLowerCase() === owner.toLowerCase())) deps.reconcile(entry);
    context.log.info({ owner, repositories: scanned.length }, `org-wide ${CONFIG_FILE} changed: reconciling`);
  };
}
