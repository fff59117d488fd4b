/**
 * How far a long Git LFS transfer is, as a progress line for the check runs shown in progress.
 * DeferredCheckRun decides when a line is written (from 10 s into the mirror, newest line only,
 * spaced out), as for git's own progress.
 */
import type { LfsProgress } from "../mirror/types.js";
import { formatBytes } from "../report/lfs-report.js";

export interface ProgressTarget {
  progress(line: string): void;
}

export function describeLfsProgress(p: LfsProgress, projectPath: string): string {
  return `Copying Git LFS objects to ${projectPath} before the push: ${p.objects} of ${p.totalObjects} objects, ${formatBytes(p.bytes)} of ${formatBytes(p.totalBytes)}.`;
}

export function lfsProgressOnCheckRuns(runs: ProgressTarget[], projectPath: string): (progress: LfsProgress) => void {
  return (p) => {
    const line = describeLfsProgress(p, projectPath);
    for (const run of runs) run.progress(line);
  };
}
