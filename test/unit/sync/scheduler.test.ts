import { pino } from "pino";
import { MirrorIndex, type IndexedRepository } from "../../../src/index/mirror-index.js";
import { ReconcileScheduler } from "../../../src/sync/scheduler.js";
import { jitterOffsetMs, retryDelayMs } from "../../../src/sync/schedule.js";
import { mirrorConfig } from "../../helpers/mirror-config.js";

const mirror = mirrorConfig({ gitlab: "g/p", direction: "push" });
const log = pino({ level: "silent" });

function setup(intervalMs = 10_000) {
  const index = new MirrorIndex();
  for (const repo of ["a", "b", "c"]) index.set({ installationId: 1, owner: "o", repo, mirrors: [mirror] });
  const calls: Array<[string, string]> = [];
  let release: (() => void) | undefined;
  let hold = false;
  let now = 0;
  const scheduler = new ReconcileScheduler({
    intervalMs,
    index,
    log,
    concurrency: 2,
    now: () => now,
    reconcile: async (entry: IndexedRepository, trigger) => {
      calls.push([entry.repo, trigger]);
      if (hold) await new Promise<void>((resolve) => (release = resolve));
    },
  });
  return { index, calls, scheduler, setNow: (t: number) => (now = t), holdNext: (on: boolean) => (hold = on), release: () => release?.() };
}

describe("ReconcileScheduler", () => {
  it("reconciles everything at start, then each repository once per interval at its own offset", async () => {
    const { calls, scheduler, setNow } = setup();
    scheduler.requestAll("startup");
    await scheduler.settled();
    expect(calls.map(([r, t]) => `${r}:${t}`).sort()).toEqual(["a:startup", "b:startup", "c:startup"]);
    calls.length = 0;
    for (let t = 250; t <= 30_000; t += 250) {
      setNow(t);
      scheduler.tick(t);
      await scheduler.settled();
    }
    expect(calls.filter(([r]) => r === "a")).toHaveLength(3);
    expect(calls.every(([, t]) => t === "interval")).toBe(true);
    await scheduler.stop();
  });

  it("never compares one repository twice at the same time", async () => {
    const { calls, scheduler, holdNext, release, index } = setup();
    holdNext(true);
    const a = index.get("o", "a")!;
    scheduler.request(a, "interval");
    scheduler.request(a, "interval");
    expect(calls).toEqual([["a", "interval"]]);
    holdNext(false);
    release();
    await scheduler.settled();
    scheduler.request(a, "config");
    await scheduler.settled();
    expect(calls).toEqual([
      ["a", "interval"],
      ["a", "config"],
    ]);
  });

  it("retries a failing mirror after its backoff, and stops retrying once it succeeds", async () => {
    const { calls, scheduler, setNow } = setup(3_600_000);
    const offset = jitterOffsetMs("o/b", 3_600_000);
    setNow(offset + 1); // just past b's slot: no interval sync due for an hour
    scheduler.tick(offset + 1);
    await scheduler.settled();
    calls.length = 0;
    const at = scheduler.noteResult("o", "b", "g/p", 2)!;
    expect(at).toBe(offset + 1 + retryDelayMs(2, 3_600_000));
    scheduler.tick(at - 1);
    await scheduler.settled();
    expect(calls.filter(([r]) => r === "b")).toEqual([]);
    scheduler.tick(at);
    await scheduler.settled();
    expect(calls.filter(([r]) => r === "b")).toEqual([["b", "retry"]]);
    expect(scheduler.noteResult("o", "b", "g/p", 0)).toBeNull();
  });

  it("takes no new work once stopped", async () => {
    const { calls, scheduler, index } = setup();
    await scheduler.stop();
    scheduler.request(index.get("o", "a")!, "interval");
    scheduler.requestAll("startup");
    expect(calls).toEqual([]);
  });
});
