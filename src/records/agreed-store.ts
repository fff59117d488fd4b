/**
 * Where each mirror's agreement record lives (see mirror/agreed-refs.ts): one per GitHub
 * repository and GitLab project, shared by both halves of a `both` mirror. A JSON file beside the
 * caches on one replica; in Redis when REDIS_URL is set, because the next job of a repository may
 * run on another replica. `removeRepository` forgets every record of a repository.
 */
import { rm } from "node:fs/promises";
import type { Logger } from "pino";
import { agreedRefsFile } from "../mirror/agreed-refs.js";
import type { AgreedRefs } from "../mirror/types.js";
import { cacheLayout, type RepoName } from "../cache/layout.js";

export interface AgreedStore {
  forMirror(repo: RepoName, projectId: number): AgreedRefs;
  removeRepository(repo: RepoName): Promise<void>;
  close?(): Promise<void>;
}

/** Files under the cache root, next to the caches they describe (removed with them). */
export class FileAgreedStore implements AgreedStore {
  constructor(private readonly cacheRoot: string) {}

  forMirror(repo: RepoName, projectId: number): AgreedRefs {
    return agreedRefsFile(cacheLayout(this.cacheRoot).agreedRecord(repo, projectId));
  }

  /** The records are files among the repository's caches: removed with them (drop-repository.ts). */
  async removeRepository(repo: RepoName): Promise<void> {
    const records = (await cacheLayout(this.cacheRoot).entries(repo)).filter((entry) => entry.includes(".synced.json"));
    await Promise.all(records.map((file) => rm(file, { force: true })));
  }
}

/** The same choice as the job queue: Redis when REDIS_URL is set (loaded only then). */
export async function createAgreedStore(env: { redisUrl?: string; cacheDir: string }, log?: Pick<Logger, "warn">): Promise<AgreedStore> {
  if (!env.redisUrl) return new FileAgreedStore(env.cacheDir);
  const { RedisAgreedStore } = await import("./redis-agreed-store.js");
  return RedisAgreedStore.connect({ url: env.redisUrl, ...(log && { log }) });
}
