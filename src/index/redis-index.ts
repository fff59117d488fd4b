/**
 * The mirror index's shared copy on Redis (REDIS_URL), so a GitLab webhook that reaches any
 * replica finds the repositories whichever replica read their config. Loaded only with Redis.
 *
 * Stored in Redis, with P = the `prefix` option (default "mirror-bot"):
 * | key                       | type   | holds                                               | removed when |
 * | ------------------------- | ------ | --------------------------------------------------- | ------------ |
 * | P:index:repo:<repo>       | string | one IndexedRepository as JSON                       | the config has no mirror, or the repository left the installation |
 * | P:index:project:<project> | set    | <repo> of every entry whose mirrors name the project | with its last member |
 * | P:index:inst:<id>         | set    | <repo> of every entry of the installation           | with its last member |
 * <repo> is owner/name and <project> the path or id a config names, both lower-cased.
 * One Lua script replaces an entry and its set memberships in one atomic step.
 */
import type { Redis } from "ioredis";
import { connectRedis } from "../redis/connect.js";
import type { Logger } from "pino";
import { projectsOf, type IndexedRepository, type SharedIndex } from "./mirror-index.js";

/**
 * KEYS: the entry.  ARGV: prefix, repo, new JSON ('' removes), its installation id, its projects...
 * Leaves the old entry's sets, then joins the new entry's; answers the old JSON.
 */
const SWAP = `
local old = redis.call('GET', KEYS[1])
if old then
  local entry = cjson.decode(old)
  redis.call('SREM', ARGV[1] .. ':index:inst:' .. tostring(entry.installationId), ARGV[2])
  for _, mirror in ipairs(entry.mirrors) do
    redis.call('SREM', ARGV[1] .. ':index:project:' .. string.lower(tostring(mirror.gitlab)), ARGV[2])
  end
end
if ARGV[3] == '' then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], ARGV[3])
  redis.call('SADD', ARGV[1] .. ':index:inst:' .. ARGV[4], ARGV[2])
  for i = 5, #ARGV do redis.call('SADD', ARGV[1] .. ':index:project:' .. ARGV[i], ARGV[2]) end
end
return old
`;

export interface RedisIndexOptions {
  prefix?: string;
  log?: Pick<Logger, "warn">;
}

export class RedisSharedIndex implements SharedIndex {
  private readonly prefix: string;

  /** Uses `redis`; `close()` quits it only when `ownsConnection`. */
  constructor(
    private readonly redis: Redis,
    options: RedisIndexOptions = {},
    private readonly ownsConnection = false,
  ) {
    this.prefix = options.prefix ?? "mirror-bot";
    this.redis.defineCommand("mirrorIndexSwap", { numberOfKeys: 1, lua: SWAP });
  }

  /** Opens its own connection and checks that Redis answers, so a wrong REDIS_URL stops the app at boot. */
  static async connect(options: RedisIndexOptions & { url: string }): Promise<RedisSharedIndex> {
    return new RedisSharedIndex(await connectRedis(options.url, "redis mirror index", options.log), options, true);
  }

  private entryKey(repo: string): string {
    return `${this.prefix}:index:repo:${repo}`;
  }

  async swap(repo: string, entry: IndexedRepository | null): Promise<IndexedRepository | null> {
    const json = entry ? JSON.stringify(entry) : "";
    const args = [this.prefix, repo, json, String(entry?.installationId ?? ""), ...projectsOf(entry)];
    const swap = (this.redis as unknown as Record<string, (...a: string[]) => Promise<string | null>>).mirrorIndexSwap!;
    const old = await swap.call(this.redis, this.entryKey(repo), ...args);
    return old ? (JSON.parse(old) as IndexedRepository) : null;
  }

  async byProjects(projectKeys: string[]): Promise<IndexedRepository[]> {
    if (projectKeys.length === 0) return [];
    return this.entries(await this.redis.sunion(...projectKeys.map((p) => `${this.prefix}:index:project:${p}`)));
  }

  async ofInstallation(installationId: number): Promise<IndexedRepository[]> {
    return this.entries(await this.redis.smembers(`${this.prefix}:index:inst:${installationId}`));
  }

  private async entries(repos: string[]): Promise<IndexedRepository[]> {
    if (repos.length === 0) return [];
    const values = await this.redis.mget(...repos.sort().map((r) => this.entryKey(r)));
    return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as IndexedRepository);
  }

  async close(): Promise<void> {
    if (this.ownsConnection) await this.redis.quit();
  }
}
