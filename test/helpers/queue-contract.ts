/**
 * The JobQueue contract, as a suite any implementation must pass (in-memory today, Redis later).
 * Jobs are controlled by the test: each run waits on a gate the test opens, so there are no sleeps.
 */
import type { JobQueue } from "../../src/queue/job-queue.js";
import { reportTargetsOf, rerunJob, type MirrorJob } from "../../src/worker/mirror-job.js";

export function job(key: string, deliveryId: string, ref = "refs/heads/main", sha = deliveryId.padEnd(40, "0")): MirrorJob {
  const [owner = "", repo = ""] = key.split("/");
  return rerunJob({ installationId: 1, owner, repo }, deliveryId, { ref, sha });
}

interface Gate {
  job: MirrorJob;
  open(): void;
}

/** A handler whose runs block until the test opens them; records concurrency per key. */
export function gatedHandler() {
  const started: Gate[] = [];
  const running = new Map<string, number>();
  let maxPerKey = 0;
  let waiter: (() => void) | null = null;
  const handler = async (j: MirrorJob) => {
    running.set(j.key, (running.get(j.key) ?? 0) + 1);
    maxPerKey = Math.max(maxPerKey, running.get(j.key)!);
    await new Promise<void>((open) => {
      started.push({ job: j, open });
      waiter?.();
    });
    running.set(j.key, running.get(j.key)! - 1);
  };
  async function nthStarted(n: number): Promise<Gate> {
    while (started.length < n) await new Promise<void>((resolve) => (waiter = resolve));
    return started[n - 1]!;
  }
  return { handler, started, nthStarted, maxPerKey: () => maxPerKey };
}

export function describeQueueContract(name: string, makeQueue: () => Promise<JobQueue<MirrorJob>> | JobQueue<MirrorJob>) {
  describe(`JobQueue contract: ${name}`, () => {
    let queue: JobQueue<MirrorJob>;
    beforeEach(async () => {
      queue = await makeQueue();
    });
    afterEach(async () => {
      await queue.close();
    });

    it("runs a job and becomes idle", async () => {
      const gated = gatedHandler();
      queue.start(gated.handler);
      expect(await queue.enqueue(job("a/x", "d1"))).toBe("queued");
      (await gated.nthStarted(1)).open();
      await queue.idle();
      expect(gated.started.map((g) => g.job.deliveryIds)).toEqual([["d1"]]);
      expect(await queue.size()).toBe(0);
    });

    it("never runs two jobs of one repository at once, and coalesces the burst behind the running one", async () => {
      const gated = gatedHandler();
      queue.start(gated.handler);
      await queue.enqueue(job("a/x", "d1", "refs/heads/main", "1".repeat(40)));
      const first = await gated.nthStarted(1);
      expect(await queue.enqueue(job("a/x", "d2", "refs/heads/main", "2".repeat(40)))).toBe("queued");
      expect(await queue.enqueue(job("a/x", "d3", "refs/heads/dev", "3".repeat(40)))).toBe("coalesced");
      expect(await queue.enqueue(job("a/x", "d4", "refs/heads/main", "4".repeat(40)))).toBe("coalesced");
      expect(gated.started).toHaveLength(1);
      first.open();
      const second = await gated.nthStarted(2);
      expect(second.job.deliveryIds).toEqual(["d2", "d3", "d4"]);
      // Newest tip per ref wins; the superseded main commit gets no separate run.
      expect(reportTargetsOf(second.job)).toEqual([
        { ref: "refs/heads/dev", sha: "3".repeat(40) },
        { ref: "refs/heads/main", sha: "4".repeat(40) },
      ]);
      second.open();
      await queue.idle();
      expect(gated.started).toHaveLength(2);
      expect(gated.maxPerKey()).toBe(1);
    });

    it("runs different repositories in parallel", async () => {
      const gated = gatedHandler();
      queue.start(gated.handler);
      await queue.enqueue(job("a/x", "d1"));
      await queue.enqueue(job("a/y", "d2"));
      const [one, two] = [await gated.nthStarted(1), await gated.nthStarted(2)];
      expect(new Set([one.job.key, two.job.key])).toEqual(new Set(["a/x", "a/y"]));
      one.open();
      two.open();
      await queue.idle();
    });

    it("ignores a delivery it has already seen", async () => {
      const gated = gatedHandler();
      queue.start(gated.handler);
      await queue.enqueue(job("a/x", "same"));
      (await gated.nthStarted(1)).open();
      await queue.idle();
      expect(await queue.enqueue(job("a/x", "same"))).toBe("duplicate");
      await queue.idle();
      expect(gated.started).toHaveLength(1);
    });

    it("keeps going when a handler throws", async () => {
      let calls = 0;
      queue.start(async () => {
        calls++;
        throw new Error("boom");
      });
      await queue.enqueue(job("a/x", "d1"));
      await queue.idle();
      await queue.enqueue(job("a/x", "d2"));
      await queue.idle();
      expect(calls).toBe(2);
    });

    it("counts waiting and running jobs", async () => {
      const gated = gatedHandler();
      queue.start(gated.handler);
      await queue.enqueue(job("a/x", "d1"));
      const first = await gated.nthStarted(1);
      expect(await queue.size()).toBe(1);
      await queue.enqueue(job("a/x", "d2"));
      await queue.enqueue(job("a/x", "d3"));
      expect(await queue.size()).toBe(2);
      first.open();
      const second = await gated.nthStarted(2);
      expect(await queue.size()).toBe(1);
      second.open();
      await queue.idle();
      expect(await queue.size()).toBe(0);
    });

    it("keeps jobs enqueued before start and runs them once started", async () => {
      expect(await queue.enqueue(job("a/x", "early"))).toBe("queued");
      expect(await queue.size()).toBe(1);
      const gated = gatedHandler();
      queue.start(gated.handler);
      const run = await gated.nthStarted(1);
      expect(run.job.deliveryIds).toEqual(["early"]);
      run.open();
      await queue.idle();
    });

    it("takes a job that brings at least one new delivery id", async () => {
      const gated = gatedHandler();
      queue.start(gated.handler);
      await queue.enqueue(job("a/x", "d1"));
      (await gated.nthStarted(1)).open();
      await queue.idle();
      expect(await queue.enqueue({ ...job("a/x", "d1"), deliveryIds: ["d1", "d2"] })).toBe("queued");
      const second = await gated.nthStarted(2);
      expect(second.job.deliveryIds).toEqual(["d1", "d2"]);
      second.open();
      await queue.idle();
    });

    it("refuses jobs once closed, after the running one finished", async () => {
      const gated = gatedHandler();
      queue.start(gated.handler);
      await queue.enqueue(job("a/x", "d1"));
      const first = await gated.nthStarted(1);
      const closing = queue.close();
      expect(await queue.enqueue(job("a/y", "d2"))).toBe("closed");
      first.open();
      await closing;
      expect(gated.started).toHaveLength(1);
    });
  });
}
