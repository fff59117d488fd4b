/**
 * StatusStore on Redis, so every replica shows the same page. A record is the state of a mirror,
 * not a log entry: it is replaced on every run and never expires.
 *
 * Stored in Redis, with P = the `prefix` option (default "mirror-bot"):
 * | key                    | type | holds                                                   | lifetime  |
 * | ---------------------- | ---- | ------------------------------------------------------- | --------- |
 * | P:status:index         | set  | the key of every mirror ever recorded (records.ts)      | permanent |
 * | P:status:mirror:<key>  | hash | one MirrorStatusRecord, one field per property          | permanent, replaced by the next run |
 * No tokens: repository names, GitLab paths and the last error (already redacted by the worker).
 */
import type { Redis } from "ioredis";
import { connectRedis } from "../redis/connect.js";
import type { Logger } from "pino";
import { compareRecords, recordKey, repositoryKeyPrefix } from "./records.js";
import type { MirrorStatusRecord, StatusStore } from "./types.js";

export interface RedisStatusStoreOptions {
  /** Namespace of every key, so several apps (or tests) can share one Redis. */
  prefix?: string;
  log?: Pick<Logger, "warn">;
}

export class RedisStatusStore implements StatusStore {
  private readonly indexKey: string;
  private readonly mirrorPrefix: string;

  /** Uses `redis` without owning it: `close()` leaves it open. */
  constructor(
    private readonly redis: Redis,
    private readonly options: RedisStatusStoreOptions = {},
    private readonly ownsConnection = false,
  ) {
    const prefix = options.prefix ?? "mirror-bot";
    this.indexKey = `${prefix}:status:index`;
    this.mirrorPrefix = `${prefix}:status:mirror:`;
  }

  /** Opens its own connection and checks that Redis answers, so a wrong REDIS_URL stops the app at boot. */
  static async connect(options: RedisStatusStoreOptions & { url: string }): Promise<RedisStatusStore> {
    return new RedisStatusStore(await connectRedis(options.url, "redis status store", options.log), options, true);
  }

  async record(record: MirrorStatusRecord): Promise<void> {
    const key = recordKey(record);
    // DEL first so a field the new record leaves out (lastError after a success) is gone too.
    await this.redis
      .multi()
      .del(this.mirrorPrefix + key)
      .hset(this.mirrorPrefix + key, encode(record))
      .sadd(this.indexKey, key)
      .exec()
      .then(throwFirstError);
  }

  async get(mirror: Pick<MirrorStatusRecord, "owner" | "repo" | "target">): Promise<MirrorStatusRecord | undefined> {
    return decode(await this.redis.hgetall(this.mirrorPrefix + recordKey(mirror))) ?? undefined;
  }

  async removeRepository(owner: string, repo: string): Promise<number> {
    const prefix = repositoryKeyPrefix(owner, repo);
    const keys = (await this.redis.smembers(this.indexKey)).filter((key) => key.startsWith(prefix));
    if (keys.length === 0) return 0;
    const transaction = this.redis.multi().srem(this.indexKey, ...keys);
    for (const key of keys) transaction.del(this.mirrorPrefix + key);
    throwFirstError(await transaction.exec());
    return keys.length;
  }

  async list(): Promise<MirrorStatusRecord[]> {
    const keys = await this.redis.smembers(this.indexKey);
    if (keys.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const key of keys) pipeline.hgetall(this.mirrorPrefix + key);
    const hashes = throwFirstError(await pipeline.exec()) as Record<string, string>[];
    const records: MirrorStatusRecord[] = [];
    hashes.forEach((hash, i) => {
      const record = decode(hash);
      if (record) records.push(record);
      else this.options.log?.warn({ key: keys[i] }, "redis status store: skipping an unreadable record");
    });
    return records.sort(compareRecords);
  }

  async close(): Promise<void> {
    if (this.ownsConnection) await this.redis.quit();
  }
}

function throwFirstError(replies: [Error | null, unknown][] | null): unknown[] {
  if (!replies) throw new Error("redis status store: transaction aborted");
  return replies.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}

function encode(record: MirrorStatusRecord): Record<string, string> {
  const fields: Record<string, string> = {
    installationId: String(record.installationId),
    owner: record.owner,
    repo: record.repo,
    private: record.private ? "1" : "0",
    direction: record.direction,
    target: record.target,
    lastSyncAt: record.lastSyncAt,
    lastResult: record.lastResult,
    lastTitle: record.lastTitle,
    lagRefs: String(record.lagRefs),
    durationMs: String(record.durationMs),
    consecutiveFailures: String(record.consecutiveFailures),
  };
  if (record.targetUrl !== undefined) fields.targetUrl = record.targetUrl;
  if (record.lastError !== undefined) fields.lastError = record.lastError;
  return fields;
}

/** null for a hash that is gone or was not written by `encode` (another version, a hand edit). */
function decode(hash: Record<string, string>): MirrorStatusRecord | null {
  const numbers = ["installationId", "lagRefs", "durationMs", "consecutiveFailures"].map((field) => Number(hash[field] ?? "x"));
  const strings = ["owner", "repo", "target", "lastSyncAt", "lastTitle"];
  if (numbers.some((n) => !Number.isFinite(n)) || strings.some((field) => typeof hash[field] !== "string")) return null;
  if (hash.direction !== "push" && hash.direction !== "pull" && hash.direction !== "both") return null;
  if (hash.lastResult !== "success" && hash.lastResult !== "failure") return null;
  const [installationId, lagRefs, durationMs, consecutiveFailures] = numbers as [number, number, number, number];
  return {
    installationId,
    owner: hash.owner!,
    repo: hash.repo!,
    private: hash.private !== "0", // when in doubt, private
    direction: hash.direction,
    target: hash.target!,
    ...(hash.targetUrl !== undefined && { targetUrl: hash.targetUrl }),
    lastSyncAt: hash.lastSyncAt!,
    lastResult: hash.lastResult,
    lastTitle: hash.lastTitle!,
    ...(hash.lastError !== undefined && { lastError: hash.lastError }),
    lagRefs,
    durationMs,
    consecutiveFailures,
  };
}
