/** Long LFS transfers show their progress on the in-progress check run, throttled. */
import { DeferredCheckRun } from "../../../src/worker/deferred-check-run.js";
import { LFS_PROGRESS_EVERY_MS, lfsProgressOnCheckRuns } from "../../../src/worker/lfs-progress.js";

const MB = 1024 * 1024;
const at = (bytes: number, totalBytes = 2048 * MB) => ({ objects: 0, totalObjects: 1, bytes, totalBytes });

test("at most one update per interval, and the last one when everything has moved", () => {
  let now = 0;
  const shown: string[] = [];
  const report = lfsProgressOnCheckRuns([{ progress: (title) => shown.push(title) }], "g/p", () => now);
  report(at(10 * MB));
  now += LFS_PROGRESS_EVERY_MS - 1;
  report(at(20 * MB));
  now += 1;
  report(at(300 * MB));
  now += 1;
  report(at(2048 * MB));
  expect(shown).toEqual(["Mirroring to g/p… Git LFS 300 MB of 2 GB", "Mirroring to g/p… Git LFS 2 GB of 2 GB"]);
});

test("the check run shows progress only once it is shown in progress, and never after it completes", async () => {
  const writes: string[] = [];
  let shownInProgress!: () => void;
  const started = new Promise<void>((resolve) => (shownInProgress = resolve));
  let progressWritten!: () => void;
  const written = new Promise<void>((resolve) => (progressWritten = resolve));
  const run = new DeferredCheckRun<string>(
    {
      start: async () => {
        shownInProgress();
        return 7;
      },
      progress: async (id, title) => {
        writes.push(`progress ${id} ${title}`);
        progressWritten();
      },
      complete: async (id, report) => void writes.push(`complete ${id} ${report}`),
      createCompleted: async () => void writes.push("created"),
    },
    0,
  );
  run.progress("too early", ""); // not shown in progress yet: nothing to update
  await started;
  run.progress("half", "");
  await written;
  await run.finish("done");
  run.progress("too late", "");
  expect(writes).toEqual(["progress 7 half", "complete 7 done"]);
});
