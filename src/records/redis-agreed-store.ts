/**
 * AgreedStore on Redis, so whichever replica runs a repository's next job reads what the last one
 * agreed. Jobs of one repository never overlap (the queue's lease), so plain reads and writes do.
 *
 * | key                          | type | holds                                             | lifetime |
 * | ---------------------------- | ---- | ------------------------------------------------- | -------- |
 * | P:agreed:<owner>/<repo>      | hash | GitLab project id → the record (agreed-refs.ts)   | until the repository leaves the installation |
 * No tokens: ref names and object ids.
 */
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { decodeAgreedRefs, encodeAgreedRefs } from "../mirror/agreed-refs.js";
import type { AgreedRefs } from "../mirror/types.js";
import type { RepoName } from "../cache/layout.js";
import type { AgreedStore } from "./agreed-store.js";
import { connectRedis } from "../redis/connect.js";

export class RedisAgreedStore implements AgreedStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = "mirror-bot",
    private readonly ownsConnection = false,
  ) {}

  static async connect(options: { url: string; prefix?: string; log?: Pick<Logger, "warn"> }): Promise<RedisAgreedStore> {
    return new RedisAgreedStore(await connectRedis(options.url, "redis agreement store", options.log), options.prefix, true);
  }

  private key(repo: RepoName): string {
    return `${this.prefix}:agreed:${repo.owner}/${repo.repo}`.toLowerCase();
  }

  forMirror(repo: RepoName, projectId: number): AgreedRefs {
    const key = this.key(repo);
    return {
      load: async () => decodeAgreedRefs(await this.redis.hget(key, String(projectId))),
      save: async (refs) => void (await this.redis.hset(key, String(projectId), encodeAgreedRefs(refs))),
    };
  }

  async removeRepository(repo: RepoName): Promise<void> {
    await this.redis.del(this.key(repo));
  }

  async close(): Promise<void> {
    if (this.ownsConnection) await this.redis.quit();
  }
}
