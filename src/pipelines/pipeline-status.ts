/**
 * PURE: what a GitLab pipeline looks like as a GitHub check run. GitLab's statuses mapped to a
 * check run's status and conclusion; the pipeline's outcome worked out again from its jobs, with
 * the jobs the app's own commit statuses made left out (GitLab attaches every status posted
 * through its API to the commit's pipeline as an external job, so a `github/<check>` status could
 * otherwise turn the pipeline's check run red); which check run of the commit is the pipeline's
 * (by `external_id`, so no local state is needed); and what an event may change: never backwards.
 */
import type { Conclusion } from "../github/check-runs.js";
import type { GitLabJob } from "../gitlab/client.js";
import { isOwnGitLabStatus as isAppJob } from "../checks-to-gitlab/own-statuses.js";

export type CheckStatus = "queued" | "in_progress" | "completed";

export interface CheckState {
  status: CheckStatus;
  /** Set when completed. */
  conclusion?: Conclusion;
}

/** GitLab's pipeline and job statuses (and detailed status "blocked"), as a check run shows them. */
export function checkStateOf(gitlabStatus: string): CheckState {
  switch (gitlabStatus) {
    case "running":
    case "canceling":
      return { status: "in_progress" };
    case "success":
      return { status: "completed", conclusion: "success" };
    case "failed":
      return { status: "completed", conclusion: "failure" };
    case "canceled":
      return { status: "completed", conclusion: "cancelled" };
    case "skipped":
      return { status: "completed", conclusion: "skipped" };
    case "manual":
    case "blocked":
      return { status: "completed", conclusion: "action_required" };
    default: // created, waiting_for_resource, preparing, pending, scheduled
      return { status: "queued" };
  }
}

const ACTIVE = new Set(["created", "waiting_for_resource", "preparing", "pending", "running", "scheduled", "canceling"]);
const STARTED = new Set(["running", "success", "failed", "canceled", "canceling"]);

/** A job made by one of the app's own commit statuses: `github-mirror`, or `github/<check name>` (checks-to-gitlab/own-statuses.ts). */
export { isAppJob };

/** Whether a failed job only warns (`allow_failure: true`). */
export const isWarning = (job: Pick<GitLabJob, "status" | "allowFailure">) => job.status === "failed" && job.allowFailure;

/**
 * The check run state of a pipeline made of these jobs (the app's own left out): null when none
 * is left (a pipeline made only of the app's statuses gets no check run). Queued until a job
 * runs; completed once none is active, as GitLab composes it: a failed job that may not fail
 * fails it, then a cancelled one, then a manual job waiting to be played; all skipped is skipped.
 */
export function pipelineState(pipelineStatus: string, jobs: Array<Pick<GitLabJob, "name" | "status" | "allowFailure">>): CheckState | null {
  const own = jobs.filter((j) => !isAppJob(j.name));
  if (own.length === 0) return null;
  if (own.some((j) => ACTIVE.has(j.status))) {
    // A cancel requested on GitLab is in progress until its jobs stop.
    return own.some((j) => STARTED.has(j.status)) || pipelineStatus === "running" ? { status: "in_progress" } : { status: "queued" };
  }
  if (own.some((j) => j.status === "failed" && !j.allowFailure)) return checkStateOf("failed");
  if (own.some((j) => j.status === "canceled")) return checkStateOf("canceled");
  if (own.some((j) => j.status === "manual" && !j.allowFailure)) return checkStateOf("manual");
  if (own.every((j) => j.status === "skipped" || j.status === "manual")) return checkStateOf(own.some((j) => j.status === "manual") ? "manual" : "skipped");
  return checkStateOf("success");
}

/** `external_id` of a pipeline's check run: the pipeline id, and `-retry-<n>` for its n-th re-run. */
export function pipelineExternalId(pipelineId: number, retry: number): string {
  return retry > 0 ? `${pipelineId}-retry-${retry}` : String(pipelineId);
}

export function parseExternalId(externalId: string | null | undefined): { pipelineId: number; retry: number } | null {
  const match = /^(\d+)(?:-retry-(\d+))?$/.exec(externalId ?? "");
  return match ? { pipelineId: Number(match[1]), retry: Number(match[2] ?? 0) } : null;
}

export interface ExistingRun {
  id: number;
  status: string;
  conclusion?: string | null;
  external_id?: string | null;
}

/** The pipeline's current check run on the commit: the one of its latest run (highest retry number). */
export function currentRun<R extends ExistingRun>(runs: R[], pipelineId: number): { run: R; retry: number } | null {
  let best: { run: R; retry: number } | null = null;
  for (const run of runs) {
    const parsed = parseExternalId(run.external_id);
    if (!parsed || parsed.pipelineId !== pipelineId) continue;
    if (!best || parsed.retry > best.retry || (parsed.retry === best.retry && run.id > best.run.id)) best = { run, retry: parsed.retry };
  }
  return best;
}

const RANK: Record<CheckStatus, number> = { queued: 0, in_progress: 1, completed: 2 };

export type Step = { kind: "none"; why: string } | { kind: "create"; retry: number; state: CheckState } | { kind: "update"; runId: number; state: CheckState };

/**
 * What to do with the pipeline's state as GitLab answers it now. A completed check run is never
 * changed: a pipeline running again under the same id (a retry, a manual job played) is a new
 * run and gets a new check run. An open one only moves forward (a queued job after a running
 * one keeps it in progress), and its table is refreshed.
 */
export function nextStep(current: { run: ExistingRun; retry: number } | null, state: CheckState | null): Step {
  if (!state) return { kind: "none", why: "the pipeline has no job of its own (only the app's commit statuses)" };
  if (!current) return { kind: "create", retry: 0, state };
  if (current.run.status === "completed") {
    if (state.status === "completed") return { kind: "none", why: "its check run is already completed" };
    return { kind: "create", retry: current.retry + 1, state };
  }
  const status = RANK[state.status] >= RANK[current.run.status as CheckStatus] ? state.status : (current.run.status as CheckStatus);
  return { kind: "update", runId: current.run.id, state: { ...state, status } };
}
