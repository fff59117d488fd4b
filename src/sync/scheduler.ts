/**
 * When reconciliation runs: for every indexed repository once per interval, at its own offset
 * (schedule.ts), and sooner for a mirror that failed, with a growing delay that never exceeds the
 * interval. At most a few comparisons run at once, and a repository is never compared twice at
 * the same time. Knows nothing of git or GitHub: `reconcile` does the work.
 */
import type { Logger } from "pino";
import type { IndexedRepository, MirrorIndex } from "../index/mirror-index.js";
import type { SyncTrigger } from "../worker/mirror-job.js";
import { isDueBetween, retryDelayMs } from "./schedule.js";

export interface SchedulerOptions {
  intervalMs: number;
  index: MirrorIndex;
  reconcile(entry: IndexedRepository, trigger: SyncTrigger): Promise<unknown>;
  log: Logger;
  /** Comparisons at the same time (each is two ls-remote calls). */
  concurrency?: number;
  now?: () => number;
}

const keyOf = (owner: string, repo: string) => `${owner}/${repo}`.toLowerCase();

export class ReconcileScheduler {
  private timer: NodeJS.Timeout | null = null;
  private lastTick: number;
  private readonly inFlight = new Set<string>();
  private readonly waiting: Array<{ entry: IndexedRepository; trigger: SyncTrigger }> = [];
  private running = 0;
  /** repository → failing mirror target → when to try again. */
  private readonly retryAt = new Map<string, Map<string, number>>();
  private readonly settledWaiters = new Set<() => void>();
  private stopped = false;

  constructor(private readonly options: SchedulerOptions) {
    this.lastTick = this.now();
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** Ticks often enough that a repository's slot is never missed by more than a tenth of the interval. */
  start(): void {
    if (this.timer || this.stopped) return;
    const tickMs = Math.min(60_000, Math.max(100, Math.floor(this.options.intervalMs / 10)));
    this.lastTick = this.now();
    this.timer = setInterval(() => this.tick(), tickMs);
    this.timer.unref();
  }

  /** No new comparisons; those running finish (their jobs go to the queue, which drains on its own). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.waiting.length = 0;
    await this.settled();
  }

  /** Checks which repositories are due since the last tick, and which failing mirrors should retry. */
  tick(now = this.now()): void {
    const from = this.lastTick;
    this.lastTick = now;
    for (const entry of this.options.index.all()) {
      const key = keyOf(entry.owner, entry.repo);
      const retries = this.retryAt.get(key);
      if (retries && [...retries.values()].some((at) => at <= now)) {
        for (const [target, at] of retries) if (at <= now) retries.delete(target);
        this.request(entry, "retry");
      } else if (isDueBetween(key, this.options.intervalMs, from, now)) {
        this.request(entry, "interval");
      }
    }
  }

  /** Reconciles every indexed repository now (at start, after the installation scan). */
  requestAll(trigger: SyncTrigger): void {
    for (const entry of this.options.index.all()) this.request(entry, trigger);
  }

  /** Queues one comparison; ignored while the same repository is already waiting or being compared. */
  request(entry: IndexedRepository, trigger: SyncTrigger): void {
    if (this.stopped) return;
    const key = keyOf(entry.owner, entry.repo);
    if (this.inFlight.has(key)) return;
    this.inFlight.add(key);
    this.waiting.push({ entry, trigger });
    this.pump();
  }

  /**
   * A mirror job finished: after a failure the repository is compared again after a backoff
   * (and reconciliation keeps retrying it, however long it fails); a success clears it.
   * Returns when the next attempt will be, for the check run.
   */
  noteResult(owner: string, repo: string, target: string, consecutiveFailures: number): number | null {
    const key = keyOf(owner, repo);
    const retries = this.retryAt.get(key) ?? new Map<string, number>();
    if (consecutiveFailures <= 0) {
      retries.delete(target);
      if (retries.size === 0) this.retryAt.delete(key);
      return null;
    }
    const at = this.now() + retryDelayMs(consecutiveFailures, this.options.intervalMs);
    retries.set(target, at);
    this.retryAt.set(key, retries);
    return at;
  }

  get intervalMs(): number {
    return this.options.intervalMs;
  }

  /** Forget a repository (removed from the installation). */
  forget(owner: string, repo: string): void {
    this.retryAt.delete(keyOf(owner, repo));
  }

  /** Resolves when no comparison is waiting or running. */
  settled(): Promise<void> {
    if (this.running === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.settledWaiters.add(resolve));
  }

  private pump(): void {
    const limit = this.options.concurrency ?? 4;
    while (this.running < limit && this.waiting.length > 0) {
      const { entry, trigger } = this.waiting.shift()!;
      this.running++;
      void this.options
        .reconcile(entry, trigger)
        .catch((error) => this.options.log.warn({ err: error, repo: `${entry.owner}/${entry.repo}`, trigger }, "reconcile failed"))
        .finally(() => {
          this.running--;
          this.inFlight.delete(keyOf(entry.owner, entry.repo));
          this.pump();
        });
    }
    if (this.running === 0 && this.waiting.length === 0) {
      for (const resolve of this.settledWaiters) resolve();
      this.settledWaiters.clear();
    }
  }
}
