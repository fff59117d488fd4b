/**
 * Reads `.mirror.yml` from every repository of every installation into the index. Run at start,
 * when an installation appears, and when a GitLab push names a project the index does not know
 * (project-links.ts); bounded concurrency keeps it clear of GitHub's rate limits. A config that
 * cannot be read leaves the repository's entry as it was (a failed read proves nothing); a full
 * scan of an installation forgets the repositories it no longer lists. Files are read through the
 * config cache (config-cache.ts): what a scan reads serves the next push without a GitHub request,
 * the org-wide file is read once per scan rather than once per repository that follows it, and a
 * rescan of unchanged files costs 304s.
 */
import type { Logger } from "pino";
import type { Probot } from "probot";
import type { GitHubClient } from "../github/types.js";
import { loadConfig } from "../worker/config-check.js";
import type { ConfigCache } from "../worker/config-cache.js";
import { repoKey, type IndexedRepository, type MirrorIndex } from "./mirror-index.js";
import type { RescanResult } from "./project-links.js";

const PARALLEL_READS = 4;

export interface ScannedRepository extends IndexedRepository {
  defaultBranch: string;
  cloneUrl: string;
  htmlUrl: string;
  private: boolean;
  visibility: "public" | "private" | "internal";
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i]!);
      }
    }),
  );
  return results;
}

/** What a scan reads with and writes to. */
export interface ScanDeps {
  index: MirrorIndex;
  configs: Pick<ConfigCache, "reader">;
  allowedGitLabUrl: string;
  log: Logger;
}

/** Scans one installation (`only`: just these repositories); returns the repositories that have at least one mirror. */
export async function scanInstallation(octokit: GitHubClient, installationId: number, deps: ScanDeps, only?: Array<{ owner: string; repo: string }>): Promise<ScannedRepository[]> {
  return (await scan(octokit, installationId, deps, only)).repositories;
}

async function scan(
  octokit: GitHubClient,
  installationId: number,
  { index, configs, allowedGitLabUrl, log }: ScanDeps,
  only?: Array<{ owner: string; repo: string }>,
): Promise<{ repositories: ScannedRepository[]; unreadable: number }> {
  const repos = await octokit.paginate(octokit.rest.apps.listReposAccessibleToInstallation, { per_page: 100 });
  const wanted = only ? new Set(only.map((r) => `${r.owner}/${r.repo}`.toLowerCase())) : null;
  const selected = repos.filter((r) => !r.archived && (!wanted || wanted.has(r.full_name.toLowerCase())));
  let unreadable = 0;
  const readDefault = configs.reader(octokit, installationId, { job: false });
  const scanned = await mapLimit(selected, PARALLEL_READS, async (r) => {
    const ref = { owner: r.owner.login, repo: r.name };
    const reading = await loadConfig(octokit, ref, undefined, allowedGitLabUrl, readDefault).catch((error) => {
      log.warn({ err: error, repo: r.full_name }, "could not read .mirror.yml while scanning the installation: its index entry is kept");
      unreadable++;
      return null;
    });
    const mirrors = reading?.kind === "valid" ? reading.config.mirrors : (index.get(ref.owner, ref.repo)?.mirrors ?? []);
    if (reading) await index.set({ installationId, ...ref, mirrors });
    return {
      installationId,
      ...ref,
      mirrors,
      defaultBranch: r.default_branch,
      cloneUrl: r.clone_url,
      htmlUrl: r.html_url,
      private: r.private,
      visibility: (r.visibility as ScannedRepository["visibility"] | undefined) ?? (r.private ? "private" : "public"),
    };
  });
  if (!only) await index.prune(installationId, new Set(repos.filter((r) => !r.archived).map((r) => repoKey(r.owner.login, r.name))));
  return { repositories: scanned.filter((r) => r.mirrors.length > 0), unreadable };
}

/** Scans every installation of the app; incomplete when a config could not be read. */
export async function scanAllInstallations(app: Probot, deps: Omit<ScanDeps, "log">): Promise<RescanResult & { repositories: ScannedRepository[] }> {
  const appOctokit = await app.auth();
  const installations = await appOctokit.paginate(appOctokit.rest.apps.listInstallations, { per_page: 100 });
  const found: ScannedRepository[] = [];
  let unreadable = 0;
  for (const installation of installations) {
    if (installation.suspended_at) continue;
    const octokit = await app.auth(installation.id);
    const scanned = await scan(octokit, installation.id, { ...deps, log: app.log });
    found.push(...scanned.repositories);
    unreadable += scanned.unreadable;
  }
  return { repositories: found, complete: unreadable === 0 };
}
