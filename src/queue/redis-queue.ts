/**
 * JobQueue on Redis (BullMQ), for several replicas sharing one Redis. Same promises as the in-memory
 * queue (job-queue.ts), held across processes: jobs of one repository never overlap, a burst coalesces
 * into one waiting job, a delivery id is processed once, and jobs survive restarts and dead replicas.
 *
 * How: each repository key has a pending batch and, while it has work, one BullMQ job (its
 * "generation") that runs it. The worker holding that BullMQ job takes the key's lease, runs the
 * batch, and loops while newer jobs arrived; only with nothing left does it release the key. BullMQ
 * gives reliable delivery and stalled-job detection (a replica killed mid-job: its BullMQ lock
 * expires and another replica runs the job again); the lease keeps two replicas off one repository
 * even then. The job that was running when a replica died is kept in Redis and run again, merged
 * with anything newer.
 *
 * Stored in Redis, with P = the `prefix` option (default "mirror-bot"); "repo" is the job's key:
 * | key              | type   | holds                                                      | kept                                  |
 * | ---------------- | ------ | ---------------------------------------------------------- | ------------------------------------- |
 * | P:pending        | hash   | repo → jobs waiting, as JSON lines (merged when taken)     | until a replica takes them            |
 * | P:running        | hash   | repo → the jobs being run                                  | until the run ends; kept if it dies   |
 * | P:scheduled      | hash   | repo → generation of the BullMQ job that answers for it    | until the repo has no work left       |
 * | P:generation     | string | counter for generations                                    | always (one integer)                  |
 * | P:lock:<repo>    | string | random lease of the replica running the repo               | lockTtlMs (30 s), renewed every 1/3   |
 * | P:delivery:<id>  | string | "1": this webhook delivery was seen                        | dedupTtlSeconds (24 h)                |
 * | P:bull:mirror:*  | BullMQ | one job per scheduled repo, id "<generation>#<repo>"       | removed when it completes or fails    |
 * BullMQ also keeps a few bookkeeping keys under P:bull:mirror: (meta, id counter, an events stream
 * capped at 1,000 entries).
 * P:events is a pub/sub channel (nothing stored) that tells idle() to look again.
 * Job payloads are the jobs' JSON (for the app: repository names, commit shas, delivery ids; no tokens).
 * Needs one Redis server (not Redis Cluster). Two runs of one repository can still overlap if a
 * replica stalls (event loop blocked) for longer than lockTtlMs: a lease cannot fence a process
 * that does not know it lost it. The mirror's pushes with leases keep that safe.
 */
import { randomUUID } from "node:crypto";
import { DelayedError, Queue, Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import type { Logger } from "pino";
import { IntakePacer, type IntakePacing } from "./intake-pacer.js";
import type { EnqueueOutcome, JobHandler, JobQueue, MergeJobs, QueuedJob } from "./job-queue.js";
import { QueueScripts, redisKeys, type RedisKeys } from "./redis-scripts.js";

export interface RedisJobQueueOptions<J extends QueuedJob> {
  url: string;
  /** Folds the jobs of a batch into one, oldest first (the job owner's rule; the queue stores opaque JSON). */
  merge: MergeJobs<J>;
  /** Repositories run at the same time by this replica. */
  concurrency?: number;
  /** Namespace of every key, so several apps (or tests) can share one Redis. */
  prefix?: string;
  /** Lease on a running repository and BullMQ's job lock: a dead replica's job is retried after about 1-3 times this. */
  lockTtlMs?: number;
  /** How long a delivery id is remembered. */
  dedupTtlSeconds?: number;
  log?: Pick<Logger, "warn" | "error">;
  /** Hold back this replica's jobs while deliveries arrive at it in a burst (intake-pacer.ts). */
  pacing?: IntakePacing;
}

interface ScheduledKey {
  key: string;
  generation: string;
}

const QUEUE_NAME = "mirror";
/**
 * A BullMQ job that dies with its replica this many times is failed (so a job that kills replicas does
 * not loop); its batch stays in Redis and runs again with the repository's next event or replica start.
 */
const MAX_STALLED_RUNS = 2;
/** idle() re-reads the counts this often even without a notification (e.g. after a reconnect). */
const IDLE_RECHECK_MS = 1000;

export class RedisJobQueue<J extends QueuedJob> implements JobQueue<J> {
  private readonly keys: RedisKeys;
  private readonly redis: Redis;
  private readonly scripts: QueueScripts;
  private readonly bull: Queue<ScheduledKey>;
  private readonly concurrency: number;
  private readonly lockTtlMs: number;
  private readonly dedupTtlSeconds: number;
  private readonly log: Pick<Logger, "warn" | "error"> | undefined;
  private worker: Worker<ScheduledKey> | null = null;
  private handler: JobHandler<J> | null = null;
  private closing: Promise<void> | null = null;
  private readonly enqueues = new Set<Promise<unknown>>();
  private readonly changes: StateChanges;
  private readonly pacer: IntakePacer | null;

  constructor(private readonly options: RedisJobQueueOptions<J>) {
    this.keys = redisKeys(options.prefix ?? "mirror-bot");
    this.concurrency = options.concurrency ?? 4;
    this.lockTtlMs = options.lockTtlMs ?? 30_000;
    this.dedupTtlSeconds = options.dedupTtlSeconds ?? 24 * 60 * 60;
    this.log = options.log;
    this.pacer = options.pacing ? new IntakePacer(options.pacing) : null;
    this.redis = new Redis(options.url);
    this.redis.on("error", (error) => this.log?.warn({ err: error }, "redis queue: connection error"));
    this.scripts = new QueueScripts(this.redis, this.keys);
    this.bull = new Queue<ScheduledKey>(QUEUE_NAME, {
      connection: { url: options.url },
      prefix: this.keys.bullPrefix,
      streams: { events: { maxLen: 1000 } },
      defaultJobOptions: { removeOnComplete: true, removeOnFail: true, attempts: 5, backoff: { type: "exponential", delay: 1000 } },
    });
    this.bull.on("error", (error) => this.log?.warn({ err: error }, "redis queue: BullMQ queue error"));
    this.changes = new StateChanges(this.redis, this.keys.events, () => this.isIdle());
  }

  /** Connects and checks that Redis answers, so a wrong REDIS_URL stops the app at boot. */
  static async connect<J extends QueuedJob>(options: RedisJobQueueOptions<J>): Promise<RedisJobQueue<J>> {
    const queue = new RedisJobQueue<J>(options);
    try {
      await Promise.all([queue.redis.ping(), queue.bull.waitUntilReady()]);
    } catch (error) {
      // The connect error is thrown (and stops the app at boot); closing what never connected adds nothing.
      await queue.close().catch(() => undefined);
      throw error;
    }
    return queue;
  }

  async enqueue(job: J): Promise<EnqueueOutcome> {
    if (this.closing) return "closed";
    this.pacer?.arrived();
    const pending = this.schedule(job);
    this.enqueues.add(pending);
    try {
      return await pending;
    } finally {
      this.enqueues.delete(pending);
    }
  }

  start(handler: JobHandler<J>): void {
    if (this.closing || this.worker) return;
    this.handler = handler;
    this.worker = new Worker<ScheduledKey>(QUEUE_NAME, (job, token) => this.process(job, token), {
      connection: { url: this.options.url },
      prefix: this.keys.bullPrefix,
      concurrency: this.concurrency,
      lockDuration: this.lockTtlMs,
      stalledInterval: this.lockTtlMs,
      maxStalledCount: MAX_STALLED_RUNS,
    });
    this.worker.on("error", (error) => this.log?.warn({ err: error }, "redis queue: BullMQ worker error"));
    this.worker.on("failed", (job, error) => this.log?.error({ err: error, key: job?.data.key }, "redis queue: job failed"));
    void this.rescheduleAll().catch((error: unknown) => this.log?.warn({ err: error }, "redis queue: could not reschedule keys"));
  }

  async size(): Promise<number> {
    const replies = await this.redis.multi().hlen(this.keys.pending).hlen(this.keys.running).exec();
    return (replies ?? []).reduce((sum, [error, count]) => {
      if (error) throw error;
      return sum + Number(count);
    }, 0);
  }

  /** Waits until no replica has a job waiting or running; after close(), resolves at once. */
  idle(): Promise<void> {
    if (this.closing) return Promise.resolve();
    return this.changes.waitUntilTrue();
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    await Promise.allSettled(this.enqueues);
    await this.worker?.close(); // waits for this replica's running jobs
    await this.bull.close();
    await this.changes.close();
    await this.redis.quit().catch(() => this.redis.disconnect()); // a failed QUIT is a connection already gone: drop it
  }

  private async isIdle(): Promise<boolean> {
    return (await this.size()) === 0;
  }

  private async schedule(job: J): Promise<EnqueueOutcome> {
    const reply = await this.scripts.enqueue(job.key, JSON.stringify(job), job.deliveryIds, this.dedupTtlSeconds);
    if (reply.outcome === "duplicate") return reply.outcome;
    // Adding an id that exists is a no-op: the key's BullMQ job is either still there, or gone after
    // taking our batch (the STEP script takes everything pending before it lets the key go).
    await this.addJob({ key: job.key, generation: reply.generation });
    return reply.outcome;
  }

  private async addJob(data: ScheduledKey): Promise<void> {
    await this.bull.add("mirror", data, { jobId: `${data.generation}#${data.key}` });
  }

  /** After a crash between the enqueue script and queue.add, a key can have work but no BullMQ job. */
  private async rescheduleAll(): Promise<void> {
    const scheduled = await this.redis.hgetall(this.keys.scheduled);
    for (const [key, generation] of Object.entries(scheduled)) await this.addJob({ key, generation });
  }

  /** One BullMQ job: holds the key's lease and runs its batches until nothing is left. */
  private async process(bullJob: Job<ScheduledKey>, token: string | undefined): Promise<void> {
    const { key, generation } = bullJob.data;
    // Before the batch is taken, so what arrives meanwhile for this key joins it.
    await this.pacer?.waitForTurn(bullJob.timestamp);
    const lease = randomUUID();
    if ((await this.redis.set(this.keys.lock(key), lease, "PX", this.lockTtlMs, "NX")) !== "OK") {
      return this.waitForLease(bullJob, token);
    }
    const renewal = setInterval(() => void this.renew(key, lease), Math.max(10, Math.floor(this.lockTtlMs / 3)));
    let holding = true;
    try {
      for (let finished = false; ; finished = true) {
        const step = await this.scripts.step(key, lease, generation, finished, !this.closing, this.lockTtlMs);
        if (step.kind === "run") {
          await this.runHandler(step.batch);
          continue;
        }
        holding = false;
        if (step.kind === "lost") this.log?.warn({ key }, "redis queue: lease lost while running; another replica took the repository");
        if (step.kind === "handoff") return this.requeue(bullJob, token, 0);
        return;
      }
    } finally {
      clearInterval(renewal);
      if (holding) {
        await this.scripts
          .release(key, lease)
          .catch((error: unknown) => this.log?.warn({ err: error, key }, "redis queue: could not release a lease; the repository waits until it expires"));
      }
    }
  }

  /** Another holder (a live one, or a dead replica whose lease has not expired) has the key. */
  private async waitForLease(bullJob: Job<ScheduledKey>, token: string | undefined): Promise<void> {
    const { key, generation } = bullJob.data;
    const [owner, ttl] = await Promise.all([this.redis.hget(this.keys.scheduled, key), this.redis.pttl(this.keys.lock(key))]);
    // Not this job's turn to answer for the key: the holder takes all pending work before letting go.
    if (owner !== generation) return;
    return this.requeue(bullJob, token, Math.min(Math.max(ttl, 10), this.lockTtlMs));
  }

  private async requeue(bullJob: Job<ScheduledKey>, token: string | undefined, delayMs: number): Promise<never> {
    await bullJob.moveToDelayed(Date.now() + delayMs, token);
    throw new DelayedError();
  }

  private async runHandler(batch: string): Promise<void> {
    const job = batch
      .split("\n")
      .map((line) => JSON.parse(line) as J)
      .reduce((older, newer) => this.options.merge(older, newer));
    try {
      await this.handler!(job);
    } catch (error) {
      // The handler reports its own failures; a throw here must not stop the queue.
      this.log?.error({ err: error, key: job.key }, "redis queue: job handler threw");
    }
  }

  private async renew(key: string, lease: string): Promise<void> {
    try {
      if (!(await this.scripts.renew(key, lease, this.lockTtlMs))) this.log?.warn({ key }, "redis queue: lease expired before renewal");
    } catch (error) {
      this.log?.warn({ err: error, key }, "redis queue: could not renew lease");
    }
  }
}

/** Resolves waiters when a condition on Redis state holds, re-checked on every published change. */
class StateChanges {
  private subscriber: Redis | null = null;
  private ready: Promise<void> | null = null;
  private readonly waiters = new Set<() => void>();
  private timer: NodeJS.Timeout | null = null;
  private checking = false;
  private recheck = false;
  private closed = false;

  constructor(
    private readonly redis: Redis,
    private readonly channel: string,
    private readonly condition: () => Promise<boolean>,
  ) {}

  async waitUntilTrue(): Promise<void> {
    await this.subscribe();
    const done = new Promise<void>((resolve) => this.waiters.add(resolve));
    void this.check();
    return done;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.resolveAll();
    if (this.subscriber) await this.subscriber.quit().catch(() => this.subscriber?.disconnect()); // as RedisJobQueue.close
  }

  /** Subscribed before the first read, so no change between the read and the wait is missed. */
  private subscribe(): Promise<void> {
    this.ready ??= (async () => {
      this.subscriber = this.redis.duplicate();
      this.subscriber.on("error", () => undefined); // the command connection reports errors
      this.subscriber.on("message", () => void this.check());
      await this.subscriber.subscribe(this.channel);
      if (this.closed) return;
      this.timer = setInterval(() => void this.check(), IDLE_RECHECK_MS);
      this.timer.unref();
    })().catch((error: unknown) => {
      this.subscriber?.disconnect();
      this.ready = null;
      throw error;
    });
    return this.ready;
  }

  private async check(): Promise<void> {
    if (this.waiters.size === 0) return;
    if (this.checking) {
      this.recheck = true;
      return;
    }
    this.checking = true;
    try {
      do {
        this.recheck = false;
        // Only waiters that were there before the read began may trust its answer.
        const asked = [...this.waiters];
        // A failed read is asked again at the next change or IDLE_RECHECK_MS; the command connection logs its errors.
        if (await this.condition().catch(() => false)) this.resolve(asked);
      } while (this.recheck && this.waiters.size > 0);
    } finally {
      this.checking = false;
    }
  }

  private resolveAll(): void {
    this.resolve([...this.waiters]);
  }

  private resolve(waiters: Array<() => void>): void {
    for (const resolve of waiters) {
      this.waiters.delete(resolve);
      resolve();
    }
  }
}
