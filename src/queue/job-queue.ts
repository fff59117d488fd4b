/**
 * The job queue contract. Implementations (in memory today; Redis for several replicas) must
 * all keep these promises:
 * - jobs with the same `key` never run at the same time;
 * - a job waiting for its key is merged with a newer one for the same key (a burst coalesces):
 *   at most one job per key runs and at most one waits behind it;
 * - a delivery id already seen is not enqueued twice;
 * - `close()` stops taking jobs and waits for the running ones.
 */

/**
 * What the queue needs of a job; the rest is opaque to it. The owner of the job type passes a
 * merge function, so the queue never learns what a job means.
 */
export interface QueuedJob {
  /** Serialization key: jobs with the same key never run concurrently. */
  key: string;
  /** Deliveries folded into the job: an id seen before is a duplicate. */
  deliveryIds: string[];
  /** When the job (its first delivery) arrived, in ms since the epoch: intake pacing bounds the hold from it. */
  enqueuedAt: number;
}

/** Folds a newer job for the same key into the one waiting; must keep both jobs' work. */
export type MergeJobs<J extends QueuedJob> = (older: J, newer: J) => J;

export type EnqueueOutcome = "queued" | "coalesced" | "duplicate" | "closed";

export type JobHandler<J extends QueuedJob> = (job: J) => Promise<void>;

export interface JobQueue<J extends QueuedJob> {
  enqueue(job: J): Promise<EnqueueOutcome>;
  /** Starts the workers; `handler` must not throw (it reports its own failures). */
  start(handler: JobHandler<J>): void;
  /** Jobs waiting plus jobs running. */
  size(): Promise<number>;
  /** Resolves when nothing is waiting or running (for tests and graceful shutdown). */
  idle(): Promise<void>;
  close(): Promise<void>;
}
