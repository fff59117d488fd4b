/**
 * In-memory JobQueue: the default, nothing to install. Per-key serialization and coalescing
 * as the contract in job-queue.ts describes; a bounded set of recent delivery ids for dedup.
 * With `pacing`, jobs are held back while a burst of deliveries arrives (intake-pacer.ts).
 */
import type { Logger } from "pino";
import { IntakePacer, type IntakePacing } from "./intake-pacer.js";
import type { EnqueueOutcome, JobHandler, JobQueue, MergeJobs, QueuedJob } from "./job-queue.js";

const REMEMBERED_DELIVERIES = 10_000;

export class MemoryJobQueue<J extends QueuedJob> implements JobQueue<J> {
  private readonly waiting = new Map<string, J>(); // insertion order = FIFO across keys
  private readonly running = new Set<string>();
  private readonly seenDeliveries = new Set<string>();
  private handler: JobHandler<J> | null = null;
  private closed = false;
  private idleWaiters: Array<() => void> = [];
  private readonly pacer: IntakePacer | null;
  private holdTimer: NodeJS.Timeout | undefined;
  private readonly log: Pick<Logger, "error"> | undefined;

  constructor(
    private readonly merge: MergeJobs<J>,
    private readonly concurrency = 4,
    options: { pacing?: IntakePacing; log?: Pick<Logger, "error"> } = {},
  ) {
    this.pacer = options.pacing ? new IntakePacer(options.pacing) : null;
    this.log = options.log;
  }

  async enqueue(job: J): Promise<EnqueueOutcome> {
    if (this.closed) return "closed";
    const fresh = job.deliveryIds.filter((id) => !this.seenDeliveries.has(id));
    if (job.deliveryIds.length > 0 && fresh.length === 0) return "duplicate";
    for (const id of fresh) this.remember(id);
    this.pacer?.arrived();
    const pending = this.waiting.get(job.key);
    this.waiting.set(job.key, pending ? this.merge(pending, job) : job);
    this.pump();
    return pending ? "coalesced" : "queued";
  }

  start(handler: JobHandler<J>): void {
    this.handler = handler;
    this.pump();
  }

  async size(): Promise<number> {
    return this.waiting.size + this.running.size;
  }

  idle(): Promise<void> {
    if (this.waiting.size === 0 && this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.holdTimer);
    this.waiting.clear();
    if (this.running.size > 0) await this.idle();
  }

  private remember(deliveryId: string): void {
    this.seenDeliveries.add(deliveryId);
    if (this.seenDeliveries.size > REMEMBERED_DELIVERIES) {
      const oldest = this.seenDeliveries.values().next().value as string;
      this.seenDeliveries.delete(oldest);
    }
  }

  private pump(): void {
    if (!this.handler) return;
    clearTimeout(this.holdTimer);
    for (const [key, job] of this.waiting) {
      if (this.running.size >= this.concurrency) break;
      if (this.running.has(key)) continue; // waits behind the running job of its key
      // A merged job keeps its first delivery's enqueuedAt: the hold is bounded from when that arrived.
      const hold = this.pacer?.holdFor(job.enqueuedAt) ?? 0;
      if (hold > 0) {
        // Jobs further on arrived later, so none of them may start sooner.
        this.holdTimer = setTimeout(() => this.pump(), hold);
        break;
      }
      this.waiting.delete(key);
      this.running.add(key);
      void this.run(key, job);
    }
    if (this.waiting.size === 0 && this.running.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private async run(key: string, job: J): Promise<void> {
    try {
      await this.handler!(job);
    } catch (error) {
      // The handler reports its own failures; a throw here must not stop the queue (as redis-queue.ts).
      this.log?.error({ err: error, key }, "memory queue: job handler threw");
    } finally {
      this.running.delete(key);
      this.pump();
    }
  }
}
