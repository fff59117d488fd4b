/**
 * The job queue contract. Implementations (in memory today; Redis for several replicas) must
 * all keep these promises:
 * - jobs with the same `key` never run at the same time;
 * - a job waiting for its key is merged with a newer one for the same key (a burst coalesces):
 *   at most one job per key runs and at most one waits behind it;
 * - a delivery id already seen is not enqueued twice;
 * - `close()` stops taking jobs and waits for the running ones.
 */
import type { MirrorJob } from "../worker/mirror-job.js";

export type EnqueueOutcome = "queued" | "coalesced" | "duplicate" | "closed";

export type JobHandler = (job: MirrorJob) => Promise<void>;

export interface JobQueue {
  enqueue(job: MirrorJob): Promise<EnqueueOutcome>;
  /** Starts the workers; `handler` must not throw (it reports its own failures). */
  start(handler: JobHandler): void;
  /** Jobs waiting plus jobs running. */
  size(): Promise<number>;
  /** Resolves when nothing is waiting or running (for tests and graceful shutdown). */
  idle(): Promise<void>;
  close(): Promise<void>;
}
