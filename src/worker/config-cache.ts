/**
 * `.mirror.yml` of each repository's default branch (and the org-wide one, which is the `.github`
 * repository's), kept between jobs so a push to a warm repository needs no GitHub request before
 * its mirror. A cached reading is used while
 *   - the versions of its repository and installation (records/cache-versions.ts) are the ones it
 *     was read at: a push that touches or may have touched the file, and an installation event,
 *     bump them (handlers/config-invalidation.ts), on every replica with REDIS_URL; and
 *   - it was checked with GitHub less than MAX_AGE_MS ago.
 * Otherwise it is read again, conditionally (`If-None-Match`): an unchanged file answers 304,
 * which costs no rate limit. In the background, the files of repositories mirrored in the last
 * ACTIVE_MS are revalidated before they reach MAX_AGE_MS, so their next push finds them fresh.
 * Entries neither used nor checked for EVICT_MS are dropped, and at most MAX_ENTRIES are kept.
 */
import type { Logger } from "pino";
import { readFileIfChanged } from "../github/repository.js";
import type { GitHubClient, RepoRef } from "../github/types.js";
import { installationVersionKey, repoVersionKey, type CacheVersions } from "../records/cache-versions.js";

export const CONFIG_PATH = ".mirror.yml";
/** A reading older than this is checked with GitHub before it is used. */
export const MAX_AGE_MS = 60_000;
/** The background check comes at this age, so an active repository's reading never reaches MAX_AGE_MS. */
const REVALIDATE_AT_MS = 45_000;
const TICK_MS = 5_000;
/** A repository mirrored within this long is kept fresh in the background. */
const ACTIVE_MS = 10 * 60_000;
const EVICT_MS = 60 * 60_000;
const MAX_ENTRIES = 20_000;
const PARALLEL_CHECKS = 4;

/** Reads `.mirror.yml` on a repository's default branch: its text, or null when there is none. */
export type ConfigFileReader = (repo: RepoRef) => Promise<string | null>;

interface Entry {
  repo: RepoRef;
  installationId: number;
  text: string | null;
  etag?: string;
  /** Of the repository's and the installation's keys, when this was read. */
  versions: number[];
  checkedAt: number;
  /** Last read by a mirror job (0: only by scans); what makes it active. */
  usedAt: number;
}

export interface ConfigCacheStats {
  hits: number;
  /** Reads that asked GitHub, and how many of those GitHub answered 304. */
  requests: number;
  notModified: number;
}

export class ConfigCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<string | null>>();
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<void> | null = null;
  readonly stats: ConfigCacheStats = { hits: 0, requests: 0, notModified: 0 };

  constructor(
    private readonly options: {
      versions: CacheVersions;
      getOctokit(installationId: number): Promise<GitHubClient>;
      log: Pick<Logger, "debug" | "warn">;
      now?: () => number;
    },
  ) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** A reader for one installation's repositories. `job`: reads by mirror jobs keep an entry active. */
  reader(octokit: GitHubClient, installationId: number, { job }: { job: boolean }): ConfigFileReader {
    return (repo) => this.read(octokit, installationId, repo, job);
  }

  private async read(octokit: GitHubClient, installationId: number, repo: RepoRef, job: boolean): Promise<string | null> {
    const key = repoVersionKey(repo.owner, repo.repo);
    const versions = await this.options.versions.read([key, installationVersionKey(installationId)]);
    const entry = this.entries.get(key);
    const now = this.now();
    if (entry && entry.installationId === installationId && sameVersions(entry.versions, versions) && now - entry.checkedAt < MAX_AGE_MS) {
      if (job) entry.usedAt = now;
      this.stats.hits++;
      return entry.text;
    }
    return this.check(octokit, installationId, repo, versions, job);
  }

  /** Asks GitHub (conditionally when the file was there): one request per repository at a time. */
  private check(octokit: GitHubClient, installationId: number, repo: RepoRef, versions: number[], job: boolean): Promise<string | null> {
    const key = repoVersionKey(repo.owner, repo.repo);
    const running = this.inFlight.get(key);
    if (running) return running;
    const checked = this.ask(octokit, installationId, repo, versions, job).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, checked);
    return checked;
  }

  private async ask(octokit: GitHubClient, installationId: number, repo: RepoRef, versions: number[], job: boolean): Promise<string | null> {
    const key = repoVersionKey(repo.owner, repo.repo);
    const previous = this.entries.get(key);
    const known = previous && previous.installationId === installationId && previous.text !== null ? previous : undefined;
    this.stats.requests++;
    const answer = await readFileIfChanged(octokit, repo, CONFIG_PATH, known?.etag);
    if (answer.notModified) this.stats.notModified++;
    const now = this.now();
    const entry: Entry = {
      repo,
      installationId,
      text: answer.notModified ? known!.text : answer.text,
      ...((answer.notModified ? known!.etag : answer.etag) ? { etag: answer.notModified ? known!.etag : answer.etag } : {}),
      versions,
      checkedAt: now,
      usedAt: job ? now : (previous?.usedAt ?? 0),
    };
    this.entries.delete(key); // re-inserted last: the map's order is the eviction order
    this.entries.set(key, entry);
    this.evict(now);
    return entry.text;
  }

  private evict(now: number): void {
    for (const [key, entry] of this.entries) {
      const overfull = this.entries.size > MAX_ENTRIES;
      if (!overfull && now - Math.max(entry.usedAt, entry.checkedAt) < EVICT_MS) continue;
      this.entries.delete(key);
    }
  }

  /** Background revalidation of active entries, every TICK_MS. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.revalidateDue(), TICK_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.checking;
  }

  /** One background round: every active entry at least REVALIDATE_AT_MS old is checked with GitHub. */
  revalidateDue(): Promise<void> {
    this.checking ??= this.revalidate().finally(() => (this.checking = null));
    return this.checking;
  }

  private async revalidate(): Promise<void> {
    const now = this.now();
    this.evict(now);
    const due = [...this.entries.values()].filter((e) => now - e.usedAt <= ACTIVE_MS && now - e.checkedAt >= REVALIDATE_AT_MS);
    for (let i = 0; i < due.length; i += PARALLEL_CHECKS) {
      await Promise.all(
        due.slice(i, i + PARALLEL_CHECKS).map(async ({ repo, installationId }) => {
          try {
            const octokit = await this.options.getOctokit(installationId);
            const versions = await this.options.versions.read([repoVersionKey(repo.owner, repo.repo), installationVersionKey(installationId)]);
            await this.check(octokit, installationId, repo, versions, false);
          } catch (error) {
            // The entry stays as it was; it is read again before use once it is MAX_AGE_MS old.
            this.options.log.warn({ err: error, repo: `${repo.owner}/${repo.repo}` }, `could not revalidate the cached ${CONFIG_PATH}`);
          }
        }),
      );
    }
  }

  get size(): number {
    return this.entries.size;
  }
}

function sameVersions(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
