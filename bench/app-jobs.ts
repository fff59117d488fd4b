/**
 * What the app did with the deliveries it was sent, read from outside: each finished mirror job
 * logs one JSON line naming its deliveries and conclusion, and each job leaves one check run on
 * the fake GitHub. Together they say when the app is really done (check runs are completed in the
 * background, spaced a second apart by Octokit's write throttle), and whether anything failed.
 */
import type { AppProcess, CheckRunRecord, Sandbox } from "../sandbox/index.js";
import { waitFor } from "../sandbox/index.js";

export interface JobOutcome {
  repo: string;
  target: string;
  deliveries: string[];
  conclusion: string;
  durationMs: number;
  changes: string[];
}

/** Every mirror outcome line the app has logged so far (LOG_FORMAT=json). */
export function jobOutcomes(app: AppProcess): JobOutcome[] {
  const outcomes: JobOutcome[] = [];
  for (const line of app.logs()) {
    if (!line.startsWith("{") || !line.includes('"conclusion"')) continue;
    try {
      const entry = JSON.parse(line) as Partial<JobOutcome>;
      if (Array.isArray(entry.deliveries) && typeof entry.conclusion === "string" && typeof entry.target === "string") {
        outcomes.push({
          repo: String(entry.repo),
          target: entry.target,
          deliveries: entry.deliveries,
          conclusion: entry.conclusion,
          durationMs: Number(entry.durationMs),
          changes: entry.changes ?? [],
        });
      }
    } catch {
      // not one of ours
    }
  }
  return outcomes;
}

/** Waits until every delivery has been folded into a finished job; returns those jobs. */
export async function waitForJobs(app: AppProcess, deliveryIds: string[], timeoutMs: number): Promise<JobOutcome[]> {
  const wanted = new Set(deliveryIds);
  return waitFor(
    () => {
      const jobs = jobOutcomes(app).filter((job) => job.deliveries.some((id) => wanted.has(id)));
      const covered = new Set(jobs.flatMap((job) => job.deliveries));
      return [...wanted].every((id) => covered.has(id)) ? jobs : null;
    },
    { timeoutMs, intervalMs: 100, what: `the app to finish the jobs of ${wanted.size} deliveries` },
  );
}

export interface CheckRunSummary {
  /** Mirror check runs found (the count expected, unless the wait timed out). */
  total: number;
  completed: number;
  /** Completed with a conclusion other than success. */
  failed: number;
  /** Titles of check runs that did not succeed (at most 10), for the report. */
  failures: string[];
  /** performance.now() when the last one was seen completed (polled every 250 ms). */
  doneAt: number;
  timedOut: boolean;
}

export function mirrorCheckRuns(sandbox: Sandbox, repos: Array<{ repo: string; project: string }>): CheckRunRecord[] {
  return repos.flatMap(({ repo, project }) => sandbox.github.checkRuns(repo).filter((run) => run.name === `GitLab mirror (${project})`));
}

/**
 * Waits until the repositories carry `expected` mirror check runs, all completed (one per job:
 * the newest pushed commit of each job gets one). A timeout is reported, not thrown: the run goes
 * on and the report says what was missing.
 */
export async function waitForCheckRuns(sandbox: Sandbox, repos: Array<{ repo: string; project: string }>, expected: number, timeoutMs: number): Promise<CheckRunSummary> {
  const done = (runs: CheckRunRecord[]) => runs.length >= expected && runs.every((run) => run.status === "completed");
  let timedOut = false;
  await waitFor(() => done(mirrorCheckRuns(sandbox, repos)), { timeoutMs, intervalMs: 250, what: `${expected} completed mirror check runs` }).catch(() => {
    timedOut = true;
  });
  const doneAt = performance.now();
  const runs = mirrorCheckRuns(sandbox, repos);
  const completed = runs.filter((run) => run.status === "completed");
  const failed = completed.filter((run) => run.conclusion !== "success");
  return {
    total: runs.length,
    completed: completed.length,
    failed: failed.length,
    failures: failed.slice(0, 10).map((run) => `${run.repo}@${run.head_sha.slice(0, 7)}: ${run.conclusion}: ${run.output.title ?? ""}`),
    doneAt,
    timedOut,
  };
}
