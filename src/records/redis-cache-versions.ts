/**
 * CacheVersions on Redis, shared by every replica: one replica's webhook bumps a version, every
 * replica's next read of that key sees it and reads GitHub again.
 *
 * | key                    | type   | holds                          | lifetime |
 * | ---------------------- | ------ | ------------------------------ | -------- |
 * | P:cache-version:<key>  | string | the version (INCR)             | 7 days after its last bump |
 * A version that expired reads 0: a cached value that recorded a higher one is read again, and
 * one that recorded 0 is at most a minute old anyway (config-cache.ts). No secrets.
 */
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { connectRedis } from "../redis/connect.js";
import type { CacheVersions } from "./cache-versions.js";

const TTL_SECONDS = 7 * 24 * 3600;

export class RedisCacheVersions implements CacheVersions {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = "mirror-bot",
    private readonly ownsConnection = false,
  ) {}

  static async connect(options: { url: string; prefix?: string; log?: Pick<Logger, "warn"> }): Promise<RedisCacheVersions> {
    return new RedisCacheVersions(await connectRedis(options.url, "redis cache versions", options.log), options.prefix, true);
  }

  private key(key: string): string {
    return `${this.prefix}:cache-version:${key}`;
  }

  async read(keys: string[]): Promise<number[]> {
    if (keys.length === 0) return [];
    const values = await this.redis.mget(...keys.map((k) => this.key(k)));
    return values.map((v) => Number(v ?? 0));
  }

  async bump(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    const multi = this.redis.multi();
    for (const key of keys) multi.incr(this.key(key)).expire(this.key(key), TTL_SECONDS);
    await multi.exec();
  }

  async close(): Promise<void> {
    if (this.ownsConnection) await this.redis.quit();
  }
}
