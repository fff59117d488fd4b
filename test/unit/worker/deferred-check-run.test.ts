import { jest } from "@jest/globals";
import { DeferredCheckRun, type CheckRunWrites } from "../../../src/worker/deferred-check-run.js";

type Write = { kind: "start" } | { kind: "complete"; id: number; report: string } | { kind: "createCompleted"; report: string; startedAt: Date };

function recorder(startResult: number | null = 17) {
  const writes: Write[] = [];
  const api: CheckRunWrites<string> = {
    start: async () => (writes.push({ kind: "start" }), startResult),
    complete: async (id, report) => void writes.push({ kind: "complete", id, report }),
    createCompleted: async (report, startedAt) => void writes.push({ kind: "createCompleted", report, startedAt }),
  };
  return { writes, api };
}

describe("DeferredCheckRun", () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date("2026-11-22T08:00:00Z") }));
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
});
