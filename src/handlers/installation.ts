/**
 * Installation events. New repositories with a mirror config get their first full sync at once;
 * removed repositories and uninstalls stop all work for them and drop their cache.
 */
import type { Context } from "probot";
import type { GitHubClient } from "../github/types.js";
import { scanInstallation } from "../index/scan-installations.js";
import type { MirrorIndex } from "../index/mirror-index.js";
import type { ConfigCache } from "../worker/config-cache.js";
import { dropJob, jobKey, syncJob, type MirrorQueue } from "../worker/mirror-job.js";

export interface InstallationDeps {
  queue: MirrorQueue;
  index: MirrorIndex;
  allowedGitLabUrl: string;
  /** Where the scan reads `.mirror.yml` (and leaves it for the first sync). */
  configs: Pick<ConfigCache, "reader">;
  /** Called for each repository removed (e.g. the scheduler forgets its retries). */
  forget?(owner: string, repo: string): void;
}

type Repo = { full_name: string };

const split = (r: Repo) => {
  const [owner = "", repo = ""] = r.full_name.split("/");
  return { owner, repo };
};

/** Scans the new repositories (all of a new installation) and syncs those that mirror. */
async function firstSync(context: Context, deps: InstallationDeps, installationId: number, only?: Repo[]) {
  const scanned = await scanInstallation(context.octokit as GitHubClient, installationId, { ...deps, log: context.log }, only?.map(split));
  for (const entry of scanned) await deps.queue.enqueue(syncJob(entry, "install", `${context.id}:${entry.owner}/${entry.repo}`));
  context.log.info({ installationId, repositories: scanned.map((r) => `${r.owner}/${r.repo}`) }, `installation: first sync of ${scanned.length} repositories`);
}

async function drop(context: Context, deps: InstallationDeps, installationId: number, repos: Array<{ owner: string; repo: string }>) {
  for (const { owner, repo } of repos) {
    await deps.index.remove(owner, repo);
    deps.forget?.(owner, repo);
    await deps.queue.enqueue(dropJob({ installationId, owner, repo }, `${context.id}:${owner}/${repo}`));
  }
}

export function handleInstallationCreated(deps: InstallationDeps) {
  return async (context: Context<"installation.created">) => firstSync(context, deps, context.payload.installation.id);
}

export function handleRepositoriesAdded(deps: InstallationDeps) {
  return async (context: Context<"installation_repositories.added">) => firstSync(context, deps, context.payload.installation.id, context.payload.repositories_added);
}

export function handleRepositoriesRemoved(deps: InstallationDeps) {
  return async (context: Context<"installation_repositories.removed">) => drop(context, deps, context.payload.installation.id, context.payload.repositories_removed.map(split));
}

export function handleInstallationDeleted(deps: InstallationDeps) {
  return async (context: Context<"installation.deleted">) => {
    const id = context.payload.installation.id;
    const indexed = (await deps.index.removeInstallation(id)).map((e) => ({ owner: e.owner, repo: e.repo }));
    const listed = (context.payload.repositories ?? []).map(split);
    const all = new Map([...indexed, ...listed].map((r) => [jobKey(r.owner, r.repo), r]));
    await drop(context, deps, id, [...all.values()]);
  };
}
