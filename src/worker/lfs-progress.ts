/**
 * How far a long Git LFS transfer is, on the check runs shown in progress: at most one update
 * every 10 s (each is a GitHub write, and Probot spaces writes about a second apart), plus the
 * last one when everything has moved.
 */
import type { LfsProgress } from "../mirror/types.js";
import { formatBytes } from "../report/lfs-report.js";

export const LFS_PROGRESS_EVERY_MS = 10_000;

export interface ProgressTarget {
  progress(title: string, summary: string): void;
}

export function lfsProgressOnCheckRuns(runs: ProgressTarget[], projectPath: string, now: () => number = Date.now): (progress: LfsProgress) => void {
  let last = now();
  return (p) => {
    const t = now();
    if (t - last < LFS_PROGRESS_EVERY_MS && p.bytes < p.totalBytes) return;
    last = t;
    const done = `${formatBytes(p.bytes)} of ${formatBytes(p.totalBytes)}`;
    const title = `Mirroring to ${projectPath}… Git LFS ${done}`;
    const summary = `Copying ${p.totalObjects} Git LFS object(s) before the push: ${p.objects} done, ${done}.`;
    for (const run of runs) run.progress(title, summary);
  };
}
