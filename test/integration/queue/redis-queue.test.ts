/**
 * RedisJobQueue against a real redis-server: the JobQueue contract, then what only a shared Redis
 * can promise: several replicas, restarts, and a replica killed mid-job. Every test gets its own
 * key prefix; every wait is on a condition, bounded by `within`.
 *
 * @requires-system redis-server
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import type { JobQueue } from "../../../src/queue/job-queue.js";
import { RedisJobQueue, type RedisJobQueueOptions } from "../../../src/queue/redis-queue.js";
import { mergeJobs, type MirrorJob } from "../../../src/worker/mirror-job.js";
import { describeQueueContract, gatedHandler, job } from "../../helpers/queue-contract.js";
import { closeAll } from "../../helpers/close-all.js";
import { startRedis, type RedisServer } from "../../helpers/redis-server.js";

const here = path.dirname(fileURLToPath(import.meta.url));
/** Short, so a dead replica's job is taken over in seconds (BullMQ needs up to ~3 of these). */
const LOCK_TTL_MS = 1000;
const BOUND_MS = 20_000;

let server: RedisServer;
let probe: Redis;
let prefixes = 0;
const opened: JobQueue<MirrorJob>[] = [];

beforeAll(async () => {
  server = await startRedis();
  probe = new Redis(server.url);
});

afterAll(async () => {
  await closeAll(
    () => probe?.quit(),
    () => server?.stop(),
  );
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((queue) => queue.close()));
});

function freshPrefix(): string {
  return `test${++prefixes}`;
}

async function replica(prefix: string, options: Partial<RedisJobQueueOptions<MirrorJob>> = {}): Promise<RedisJobQueue<MirrorJob>> {
  const queue = await RedisJobQueue.connect({ merge: mergeJobs, url: server.url, prefix, lockTtlMs: LOCK_TTL_MS, ...options });
  opened.push(queue);
  return queue;
}

/** Rejects if `promise` has not settled within `ms`: a bound on a wait, never a way to wait. */
async function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The keys a prefix leaves in Redis, BullMQ's own bookkeeping aside. */
async function ownKeys(prefix: string): Promise<string[]> {
  const keys = await probe.keys(`${prefix}:*`);
  return keys.filter((key) => !key.startsWith(`${prefix}:bull:`)).sort();
}

describeQueueContract("redis", () => replica(freshPrefix()));
describeQueueContract("redis, paced", () => replica(freshPrefix(), { pacing: { quietMs: 25, maxHoldMs: 1000 } }));

describe("RedisJobQueue with intake pacing", () => {
  it("holds a burst's jobs until deliveries stop, so each repository runs once with all its deliveries", async () => {
    const quietMs = 500; // far longer than an enqueue takes, so the burst is one burst even on a slow machine
    const queue = await replica(freshPrefix(), { pacing: { quietMs, maxHoldMs: 10_000 } });
    const gated = gatedHandler();
    queue.start(gated.handler);
    await queue.enqueue(job("o/a", "d1"));
    const lone = await within(BOUND_MS, gated.nthStarted(1), "a lone delivery starts");
    let lastSent = 0;
    for (const id of ["d2", "d3", "d4"]) {
      lastSent = Date.now();
      await queue.enqueue(job("o/b", id));
    }
    const burst = await within(BOUND_MS, gated.nthStarted(2), "the burst's job starts");
    const startedAfter = Date.now() - lastSent;
    expect(lone.job.deliveryIds).toEqual(["d1"]);
    expect(burst.job.deliveryIds).toEqual(["d2", "d3", "d4"]);
    expect(startedAfter).toBeGreaterThanOrEqual(quietMs - 5); // held until intake was quiet (less timer rounding)
    lone.open();
    burst.open();
    await within(BOUND_MS, queue.idle(), "idle");
    expect(gated.started).toHaveLength(2);
  });
});

describe("RedisJobQueue with several replicas", () => {
  it("never runs one repository on two replicas at once, and handles every delivery exactly once", async () => {
    const prefix = freshPrefix();
    const [a, b] = [await replica(prefix, { concurrency: 3 }), await replica(prefix, { concurrency: 3 })];
    const inFlight = new Map<string, number>();
    const overlaps: string[] = [];
    const handled: Array<{ replica: string; job: MirrorJob }> = [];
    const handler = (name: string) => async (j: MirrorJob) => {
      inFlight.set(j.key, (inFlight.get(j.key) ?? 0) + 1);
      if (inFlight.get(j.key)! > 1) overlaps.push(j.key);
      // Real asynchronous work (Redis round trips), long enough for the other replica to try the key.
      for (let i = 0; i < 5; i++) await probe.incr(`${prefix}-work`);
      handled.push({ replica: name, job: j });
      inFlight.set(j.key, inFlight.get(j.key)! - 1);
    };
    a.start(handler("a"));
    b.start(handler("b"));

    const keys = ["o/one", "o/two", "o/three", "o/four", "o/five"];
    const sent: string[] = [];
    const outcomes: string[] = [];
    for (let wave = 0; wave < 6; wave++) {
      const enqueues = keys.map((key, i) => {
        const id = `${key}-${wave}`;
        sent.push(id);
        return ((wave + i) % 2 ? a : b).enqueue(job(key, id, `refs/heads/b${wave % 3}`));
      });
      outcomes.push(...(await Promise.all(enqueues)));
    }
    await within(BOUND_MS, Promise.all([a.idle(), b.idle()]), "both replicas idle");

    expect(overlaps).toEqual([]);
    expect(outcomes.every((o) => o === "queued" || o === "coalesced")).toBe(true);
    const processed = handled.flatMap((h) => h.job.deliveryIds);
    expect([...processed].sort()).toEqual([...sent].sort()); // each delivery in exactly one handled job
    for (const h of handled) expect(h.job.deliveryIds.every((id) => id.startsWith(`${h.job.key}-`))).toBe(true);
    expect(handled.length).toBeLessThanOrEqual(sent.length);
    expect(await a.size()).toBe(0);
    // Nothing pending, running, scheduled or locked is left: only delivery ids and the counter.
    expect((await ownKeys(prefix)).filter((key) => !key.startsWith(`${prefix}:delivery:`))).toEqual([`${prefix}:generation`]);
  });

  it("de-duplicates a delivery across replicas and remembers it for 24 hours", async () => {
    const prefix = freshPrefix();
    const [a, b] = [await replica(prefix), await replica(prefix)];
    expect(await a.enqueue(job("o/x", "dup"))).toBe("queued");
    expect(await b.enqueue(job("o/y", "dup"))).toBe("duplicate");
    expect(await b.enqueue({ ...job("o/x", "dup"), deliveryIds: ["dup", "fresh"] })).toBe("coalesced");
    const ttl = await probe.ttl(`${prefix}:delivery:dup`);
    expect(ttl).toBeGreaterThan(24 * 3600 - 60);
    expect(ttl).toBeLessThanOrEqual(24 * 3600);
    const gated = gatedHandler();
    b.start(gated.handler);
    const run = await within(BOUND_MS, gated.nthStarted(1), "the coalesced job starts");
    expect(run.job.deliveryIds).toEqual(["dup", "dup", "fresh"]);
    run.open();
    await within(BOUND_MS, a.idle(), "idle");
  });

  it("keeps a queued job across a restart: a new replica runs it", async () => {
    const prefix = freshPrefix();
    const first = await replica(prefix);
    expect(await first.enqueue(job("o/x", "before-restart"))).toBe("queued");
    await first.close();

    const second = await replica(prefix);
    expect(await second.size()).toBe(1);
    const gated = gatedHandler();
    second.start(gated.handler);
    const run = await within(BOUND_MS, gated.nthStarted(1), "the job survives the restart");
    expect(run.job.deliveryIds).toEqual(["before-restart"]);
    run.open();
    await within(BOUND_MS, second.idle(), "idle");
    expect(await ownKeys(prefix)).toEqual([`${prefix}:delivery:before-restart`, `${prefix}:generation`]);
  });

  it("hands the job waiting behind a running one to another replica when its replica closes", async () => {
    const prefix = freshPrefix();
    const [a, b] = [await replica(prefix), await replica(prefix)];
    const gatedA = gatedHandler();
    a.start(gatedA.handler);
    await a.enqueue(job("o/x", "d1"));
    const running = await within(BOUND_MS, gatedA.nthStarted(1), "d1 starts on a");
    expect(await b.enqueue(job("o/x", "d2"))).toBe("queued");
    const closing = a.close();
    running.open();
    await within(BOUND_MS, closing, "a closes after its running job");
    expect(gatedA.started).toHaveLength(1);

    const gatedB = gatedHandler();
    b.start(gatedB.handler);
    const next = await within(BOUND_MS, gatedB.nthStarted(1), "d2 starts on b");
    expect(next.job.deliveryIds).toEqual(["d2"]);
    next.open();
    await within(BOUND_MS, b.idle(), "idle");
  });

  it("waits for a repository's lease held by another replica before running it", async () => {
    const prefix = freshPrefix();
    // A replica that died holding the lease: nobody renews it, it expires.
    await probe.set(`${prefix}:lock:o/x`, "dead-replica", "PX", 500);
    const queue = await replica(prefix);
    let leaseSeenByHandler: string | null = "not run";
    queue.start(async () => {
      leaseSeenByHandler = await probe.get(`${prefix}:lock:o/x`);
    });
    await queue.enqueue(job("o/x", "d1"));
    await within(BOUND_MS, queue.idle(), "the job runs once the lease expired");
    expect(leaseSeenByHandler).not.toBe("not run");
    expect(leaseSeenByHandler).not.toBe("dead-replica");
    expect(await probe.exists(`${prefix}:lock:o/x`)).toBe(0);
  });

  it("retries on another replica the job of a replica killed mid-job", async () => {
    const prefix = freshPrefix();
    const producer = await replica(prefix);
    expect(await producer.enqueue(job("o/x", "k1"))).toBe("queued");

    const doomed = spawnWorker(server.url, prefix);
    try {
      const started = await within(
        BOUND_MS,
        doomed.next((msg) => "started" in msg),
        "the child replica starts the job",
      );
      expect((started.started as MirrorJob).deliveryIds).toEqual(["k1"]);
      expect(await producer.enqueue(job("o/x", "k2"))).toBe("queued"); // waits behind the doomed run
      await doomed.kill(); // SIGKILL mid-job: no cleanup, its lease and BullMQ lock just stop being renewed
    } finally {
      await doomed.kill(); // a no-op unless an expectation above failed
    }

    const survivor = await replica(prefix);
    const handled: MirrorJob[] = [];
    const t0 = Date.now();
    survivor.start(async (j) => {
      handled.push(j);
    });
    await within(BOUND_MS, producer.idle(), "the survivor finishes the job");
    // The interrupted run is run again, merged with the job that waited behind it.
    expect(handled.map((j) => j.deliveryIds)).toEqual([["k1", "k2"]]);
    expect(Date.now() - t0).toBeLessThan(10 * LOCK_TTL_MS); // typically ~3 s: BullMQ's stall check runs twice
  });
});

/** redis-worker.mjs in a child process: its stdout lines as JSON messages, and a SIGKILL. */
function spawnWorker(url: string, prefix: string) {
  const child: ChildProcess = spawn(process.execPath, [path.join(here, "redis-worker.mjs"), url, prefix, String(LOCK_TTL_MS)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const messages: Array<Record<string, unknown>> = [];
  let notify: (() => void) | null = null;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let dead = false;
  void exited.then(() => {
    dead = true;
    notify?.();
  });
  createInterface({ input: child.stdout! }).on("line", (line) => {
    messages.push(JSON.parse(line) as Record<string, unknown>);
    notify?.();
  });
  return {
    async next(match: (msg: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
      for (;;) {
        const found = messages.find(match);
        if (found) return found;
        if (dead) throw new Error(`worker exited with ${child.exitCode}`);
        await new Promise<void>((resolve) => (notify = resolve));
      }
    },
    async kill(): Promise<void> {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}
