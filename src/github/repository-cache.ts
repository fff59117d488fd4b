/**
 * Repository facts (clone URL, default branch, visibility) for reconciliation, kept with their
 * ETag: each pass asks GitHub conditionally, and a repository nobody pushed to since answers 304,
 * which costs no rate limit (a push changes `pushed_at`, so its ETag). Bounded: the oldest entries
 * go past MAX_ENTRIES (an installation's repositories fit many times over).
 */
import { getRepositoryIfChanged, type RepositoryInfo } from "./repository.js";
import type { GitHubClient, RepoRef } from "./types.js";

const MAX_ENTRIES = 50_000;

export class RepositoryCache {
  private readonly entries = new Map<string, { info: RepositoryInfo; etag: string }>();

  async get(octokit: GitHubClient, ref: RepoRef): Promise<RepositoryInfo> {
    const key = `${ref.owner}/${ref.repo}`.toLowerCase();
    const known = this.entries.get(key);
    const answer = await getRepositoryIfChanged(octokit, ref, known?.etag);
    const info = answer.notModified ? known!.info : answer.info;
    const etag = answer.notModified ? known!.etag : answer.etag;
    this.entries.delete(key);
    if (etag) this.entries.set(key, { info, etag });
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    return info;
  }
}
