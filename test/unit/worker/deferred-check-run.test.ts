import { jest } from "@jest/globals";
import { DeferredCheckRun, type CheckRunWrites } from "../../../src/worker/deferred-check-run.js";

type Write =
  | { kind: "start" }
  | { kind: "progress"; id: number; line: string; at: number }
  | { kind: "complete"; id: number; report: string }
  | { kind: "createCompleted"; report: string; startedAt: Date };

function recorder(startResult: number | null = 17) {
  const writes: Write[] = [];
  const api: CheckRunWrites<string> = {
    start: async () => (writes.push({ kind: "start" }), startResult),
    progress: async (id, line) => void writes.push({ kind: "progress", id, line, at: Date.now() - START }),
    complete: async (id, report) => void writes.push({ kind: "complete", id, report }),
    createCompleted: async (report, startedAt) => void writes.push({ kind: "createCompleted", report, startedAt }),
  };
  return { writes, api };
}

const START = Date.parse("2026-11-22T08:00:00Z");

describe("DeferredCheckRun", () => {
  beforeEach(() => jest.useFakeTimers({ now: START }));
  afterEach(() => jest.useRealTimers());

  it("creates a quick mirror's check run already completed, in one write, with its real start time", async () => {
    const { writes, api } = recorder();
    const run = new DeferredCheckRun(api, 2_000);
    jest.advanceTimersByTime(1_999);
    await run.finish("mirrored");
    expect(writes).toEqual([{ kind: "createCompleted", report: "mirrored", startedAt: new Date("2026-11-22T08:00:00Z") }]);
    jest.advanceTimersByTime(10_000);
    expect(writes).toHaveLength(1); // the in-progress write never happens afterwards
  });

  it("shows a slow mirror in progress, then completes that same run", async () => {
    const { writes, api } = recorder(42);
    const run = new DeferredCheckRun(api, 2_000);
    jest.advanceTimersByTime(2_000);
    expect(writes).toEqual([{ kind: "start" }]);
    await run.finish("mirrored");
    expect(writes).toEqual([{ kind: "start" }, { kind: "complete", id: 42, report: "mirrored" }]);
  });

  it("still reports when GitHub refused the in-progress run", async () => {
    const { writes, api } = recorder(null);
    const run = new DeferredCheckRun(api, 2_000);
    jest.advanceTimersByTime(2_000);
    await run.finish("failed");
    expect(writes.map((w) => w.kind)).toEqual(["start", "createCompleted"]);
  });

  it("shows a long mirror's progress from 10 s in, the newest line at most every 5 s, and never after the report", async () => {
    const { writes, api } = recorder(42);
    const run = new DeferredCheckRun(api, 2_000);
    run.progress("received 10 objects"); // too early to show
    await jest.advanceTimersByTimeAsync(9_000);
    run.progress("received 900 objects");
    await jest.advanceTimersByTimeAsync(1_000);
    expect(writes.filter((w) => w.kind === "progress")).toEqual([{ kind: "progress", id: 42, line: "received 900 objects", at: 10_000 }]);
    // A burst of lines: only the newest is written, once the throttle allows.
    for (let i = 1; i <= 50; i++) run.progress(`received ${1_000 * i} objects`);
    await jest.advanceTimersByTimeAsync(4_999);
    expect(writes.filter((w) => w.kind === "progress")).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(writes.filter((w) => w.kind === "progress").at(-1)).toEqual({ kind: "progress", id: 42, line: "received 50000 objects", at: 15_000 });
    run.progress("sent 1 object");
    await run.finish("mirrored");
    await jest.advanceTimersByTimeAsync(60_000);
    expect(writes.at(-1)).toEqual({ kind: "complete", id: 42, report: "mirrored" });
    expect(writes.filter((w) => w.kind === "progress")).toHaveLength(2);
  });

  it("writes no progress for a mirror that finished before it was shown in progress", async () => {
    const { writes, api } = recorder(42);
    const run = new DeferredCheckRun(api, 2_000);
    run.progress("received 10 objects");
    await jest.advanceTimersByTimeAsync(1_000);
    await run.finish("mirrored");
    await jest.advanceTimersByTimeAsync(60_000);
    expect(writes.map((w) => w.kind)).toEqual(["createCompleted"]);
  });
});
