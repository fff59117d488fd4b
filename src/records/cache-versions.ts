/**
 * Version numbers that invalidate cached reads (worker/config-cache.ts): a cached value records
 * the versions of its keys when it was read, and is used again only while they are unchanged.
 * `bump` is how a webhook invalidates: a push that touches `.mirror.yml` bumps the repository's
 * key, an installation event the installation's. In memory on one replica; in Redis with
 * REDIS_URL, so a webhook one replica receives invalidates every replica's cache.
 *
 * Keys are `repo:<owner>/<name>` and `inst:<installation id>`, lower-cased. The in-memory map
 * holds one number per repository or installation ever invalidated (as many as the index holds).
 */
import type { Logger } from "pino";

export interface CacheVersions {
  /** The current version of each key (0: never bumped), in order. */
  read(keys: string[]): Promise<number[]>;
  bump(keys: string[]): Promise<void>;
  close?(): Promise<void>;
}

export const repoVersionKey = (owner: string, repo: string) => `repo:${owner}/${repo}`.toLowerCase();
export const installationVersionKey = (installationId: number) => `inst:${installationId}`;

export class MemoryCacheVersions implements CacheVersions {
  private readonly versions = new Map<string, number>();

  async read(keys: string[]): Promise<number[]> {
    return keys.map((key) => this.versions.get(key) ?? 0);
  }

  async bump(keys: string[]): Promise<void> {
    for (const key of keys) this.versions.set(key, (this.versions.get(key) ?? 0) + 1);
  }
}

/** The same choice as the job queue: Redis when REDIS_URL is set (loaded only then). */
export async function createCacheVersions(env: { redisUrl?: string }, log?: Pick<Logger, "warn">): Promise<CacheVersions> {
  if (!env.redisUrl) return new MemoryCacheVersions();
  const { RedisCacheVersions } = await import("./redis-cache-versions.js");
  return RedisCacheVersions.connect({ url: env.redisUrl, ...(log && { log }) });
}
