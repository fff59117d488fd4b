import { jest } from "@jest/globals";
import { DEFAULT_INTAKE_PACING } from "../../../src/queue/intake-pacer.js";
import { MemoryJobQueue } from "../../../src/queue/memory-queue.js";
import { mergeJobs, type MirrorJob } from "../../../src/worker/mirror-job.js";
import { describeQueueContract, gatedHandler, job } from "../../helpers/queue-contract.js";

describeQueueContract("in memory", () => new MemoryJobQueue<MirrorJob>(mergeJobs, 4));
describeQueueContract("in memory, paced", () => new MemoryJobQueue<MirrorJob>(mergeJobs, 4, { pacing: DEFAULT_INTAKE_PACING }));

describe("MemoryJobQueue with intake pacing", () => {
  let queue: MemoryJobQueue<MirrorJob>;
  let gated: ReturnType<typeof gatedHandler>;
  beforeEach(() => {
    jest.useFakeTimers({ now: new Date("2026-12-04T20:00:00Z") });
    queue = new MemoryJobQueue<MirrorJob>(mergeJobs, 4, { pacing: { quietMs: 25, maxHoldMs: 200 } });
    gated = gatedHandler();
    queue.start(gated.handler);
  });
  afterEach(async () => {
    jest.useRealTimers();
    const closed = queue.close();
    for (const run of gated.started) run.open();
    await closed;
  });

  it("starts a lone push at once", async () => {
    await queue.enqueue(job("o/a", "d1"));
    expect(gated.started.map((g) => g.job.key)).toEqual(["o/a"]);
  });

  it("holds the rest of a burst until deliveries stop, then runs one job per repository with all its deliveries", async () => {
    await queue.enqueue(job("o/a", "d1")); // the first of the burst starts
    for (const [key, id] of [
      ["o/b", "d2"],
      ["o/c", "d3"],
      ["o/b", "d4"],
      ["o/c", "d5"],
    ] as const) {
      jest.advanceTimersByTime(5);
      await queue.enqueue(job(key, id));
    }
    jest.advanceTimersByTime(24);
    expect(gated.started).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(gated.started.map((g) => g.job.deliveryIds)).toEqual([["d1"], ["d2", "d4"], ["d3", "d5"]]);
  });

  it("starts a held job after maxHoldMs even while the burst goes on", async () => {
    await queue.enqueue(job("o/a", "d1"));
    await queue.enqueue(job("o/b", "d2")); // held from t = 0
    for (let t = 10; t < 200; t += 10) {
      jest.advanceTimersByTime(10);
      await queue.enqueue(job("o/c", `c${t}`));
    }
    expect(gated.started.map((g) => g.job.key)).toEqual(["o/a"]);
    jest.advanceTimersByTime(10); // o/b has waited 200 ms; o/c (from t = 10) not yet
    expect(gated.started.map((g) => g.job.key)).toEqual(["o/a", "o/b"]);
    jest.advanceTimersByTime(25); // quiet: the rest starts
    expect(gated.started.map((g) => g.job.key)).toEqual(["o/a", "o/b", "o/c"]);
  });
});

describe("MemoryJobQueue when a handler throws", () => {
  it("logs the failure with the repository's key and runs the next job", async () => {
    const lines: Array<{ key: string; message: string; msg: string }> = [];
    const log = { error: (o: { err: Error; key: string }, msg: string) => void lines.push({ key: o.key, message: o.err.message, msg }) } as never;
    const queue = new MemoryJobQueue<MirrorJob>(mergeJobs, 1, { log });
    const ran: string[] = [];
    queue.start(async (j) => {
      ran.push(j.key);
      if (j.key === "o/a") throw new Error("boom");
    });
    await queue.enqueue(job("o/a", "d1"));
    await queue.enqueue(job("o/b", "d2"));
    await queue.idle();
    await queue.close();
    expect(ran).toEqual(["o/a", "o/b"]);
    expect(lines).toEqual([{ key: "o/a", message: "boom", msg: "memory queue: job handler threw" }]);
  });
});
