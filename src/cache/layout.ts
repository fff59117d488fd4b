/**
 * The one owner of the cache directory's layout: where each repository's bare caches and
 * agreement records live, and how all of them are removed when the repository leaves.
 *
 *   <root>/<owner>/<repo>.git                          GitHub → GitLab cache (the GitHub side)
 *   <root>/<owner>/<repo>.git/lfs/objects              its Git LFS objects (lfs/lfs-cache.ts; each cache has its own)
 *   <root>/<owner>/<repo>.gitlab-<project id>.git      GitLab → GitHub cache (the GitLab side)
 *   <root>/<owner>/<repo>.gitlab-<project id>.synced.json   the mirror's agreement record (file store)
 */
import { readdir, rm } from "node:fs/promises";
import path from "node:path";

export type RepoName = { owner: string; repo: string };

/** Lower-case, and nothing a path could be made of but letters, digits, `.`, `_` and `-`. */
const safe = (s: string) => s.toLowerCase().replace(/[^a-z0-9._-]/g, "_");
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export function cacheLayout(root: string) {
  const ownerDir = (r: RepoName) => path.join(root, safe(r.owner));
  const layout = {
    pushCache: (r: RepoName) => path.join(ownerDir(r), `${safe(r.repo)}.git`),
    pullCache: (r: RepoName, projectId: number) => path.join(ownerDir(r), `${safe(r.repo)}.gitlab-${projectId}.git`),
    agreedRecord: (r: RepoName, projectId: number) => path.join(ownerDir(r), `${safe(r.repo)}.gitlab-${projectId}.synced.json`),

    /** Every cache and record of a repository on disk (temporary files of interrupted writes too). */
    async entries(r: RepoName): Promise<string[]> {
      const own = new RegExp(`^${escape(safe(r.repo))}(\\.git|\\.gitlab-\\d+\\.(git|synced\\.json.*))$`);
      const names = await readdir(ownerDir(r)).catch((error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT") return [] as string[];
        throw error;
      });
      return names.filter((name) => own.test(name)).map((name) => path.join(ownerDir(r), name));
    },

    /** Removes every cache and record of a repository; returns what was removed. */
    async removeRepository(r: RepoName): Promise<string[]> {
      const entries = await layout.entries(r);
      await Promise.all(entries.map((entry) => rm(entry, { recursive: true, force: true })));
      return entries;
    },
  };
  return layout;
}
