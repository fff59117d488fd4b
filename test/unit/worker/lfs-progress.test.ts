/**
 * Long LFS transfers say how far they are on every check run shown in progress; when a line is
 * written (from 10 s in, spaced out, never after the report) is DeferredCheckRun's rule, tested
 * in deferred-check-run.test.ts.
 */
import { lfsProgressOnCheckRuns } from "../../../src/worker/lfs-progress.js";

const MB = 1024 * 1024;

test("each check run in progress gets the objects and bytes done so far, newest last", () => {
  const shown: string[][] = [[], []];
  const report = lfsProgressOnCheckRuns(
    shown.map((lines) => ({ progress: (line: string) => lines.push(line) })),
    "g/p",
  );
  report({ objects: 0, totalObjects: 3, bytes: 300 * MB, totalBytes: 2048 * MB });
  report({ objects: 3, totalObjects: 3, bytes: 2048 * MB, totalBytes: 2048 * MB });
  for (const lines of shown) {
    expect(lines).toEqual([
      "Copying Git LFS objects to g/p before the push: 0 of 3 objects, 300 MB of 2 GB.",
      "Copying Git LFS objects to g/p before the push: 3 of 3 objects, 2 GB of 2 GB.",
    ]);
  }
});
