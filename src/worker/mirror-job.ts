/**
 * What the queue carries for the worker: one job per GitHub repository, plain JSON (so a Redis
 * queue can store it). A job is the list of events that asked for it, each built by one of the
 * named constructors below; a burst of events for one repository coalesces into one job by
 * appending its events (mergeJobs). What the worker needs (which commits get a check run, which
 * configs to validate, the pushes' `before` tips…) is read from the events by the functions at
 * the end, so the merge rule and the reading rule live here and nowhere else.
 */
import type { JobQueue, QueuedJob } from "../queue/job-queue.js";

export interface ReportTarget {
  /** The ref whose new tip carries the check run, e.g. refs/heads/main. */
  ref: string;
  sha: string;
}

export interface GitLabReportTarget {
  projectId: number;
  ref: string;
  sha: string;
}

export interface RepositorySnapshot {
  defaultBranch: string;
  cloneUrl: string;
  htmlUrl: string;
  private: boolean;
  visibility: "public" | "private" | "internal";
}

/** Why a full sync (one with no pushed commit of its own) was asked for. */
export type SyncTrigger = "startup" | "interval" | "retry" | "config" | "install" | "sync-now" | "cli";

export type JobEvent =
  /** A push to GitHub. `sha` is null for a deleted ref; `before` is null for a new one. */
  | { kind: "github-push"; ref: string; sha: string | null; before: string | null; configChanged: boolean; repository: RepositorySnapshot }
  /** A push to a linked GitLab project (pull and both mirrors). */
  | { kind: "gitlab-push"; projectId: number; ref: string; sha: string | null; before: string | null }
  /** "Re-run" on a mirror check run: mirror again, answer on that commit (when it has a branch). */
  | { kind: "rerun"; target: ReportTarget | null }
  /** A full sync: reconciliation, "Sync now", a new installation, the CLI. Reports what it changed. */
  | { kind: "sync"; trigger: SyncTrigger; target: ReportTarget | null }
  /** The repository left the installation: drop its caches and records, do no work. */
  | { kind: "drop" };

export interface MirrorJob extends QueuedJob {
  installationId: number;
  owner: string;
  repo: string;
  /** Oldest first; a merged job holds every event folded into it. */
  events: JobEvent[];
}

/** The app's queue: mirror jobs, merged by mergeJobs. */
export type MirrorQueue = JobQueue<MirrorJob>;

export interface JobTarget {
  installationId: number;
  owner: string;
  repo: string;
}

export function jobKey(owner: string, repo: string): string {
  return `${owner}/${repo}`.toLowerCase();
}

function newJob(target: JobTarget, deliveryId: string | undefined, event: JobEvent): MirrorJob {
  const { installationId, owner, repo } = target;
  return { key: jobKey(owner, repo), installationId, owner, repo, deliveryIds: deliveryId ? [deliveryId] : [], enqueuedAt: Date.now(), events: [event] };
}

// ---- The named constructors: the only way a job is made. ----

export function githubPushJob(
  target: JobTarget,
  deliveryId: string,
  push: { ref: string; sha: string | null; before: string | null; configChanged: boolean; repository: RepositorySnapshot },
): MirrorJob {
  return newJob(target, deliveryId, { kind: "github-push", ...push });
}

export function gitlabPushJob(target: JobTarget, deliveryId: string, push: { projectId: number; ref: string; sha: string | null; before: string | null }): MirrorJob {
  return newJob(target, deliveryId, { kind: "gitlab-push", ...push });
}

export function rerunJob(target: JobTarget, deliveryId: string, answerOn: ReportTarget | null): MirrorJob {
  return newJob(target, deliveryId, { kind: "rerun", target: answerOn });
}

/** A full sync; `answerOn` is the commit whose "Sync now" button was pressed, if any. */
export function syncJob(target: JobTarget, trigger: SyncTrigger, deliveryId?: string, answerOn: ReportTarget | null = null): MirrorJob {
  return newJob(target, deliveryId, { kind: "sync", trigger, target: answerOn });
}

export function dropJob(target: JobTarget, deliveryId: string): MirrorJob {
  return newJob(target, deliveryId, { kind: "drop" });
}

/** Folds `newer` into `older` (the queue's merge function): the newer installation id, every delivery and event. */
export function mergeJobs(older: MirrorJob, newer: MirrorJob): MirrorJob {
  return { ...older, installationId: newer.installationId, deliveryIds: [...older.deliveryIds, ...newer.deliveryIds], events: [...eventsOf(older), ...eventsOf(newer)] };
}

// ---- Reading a job. ----

/**
 * A job a previous version left in Redis has no events (it was a bag of fields): run it as a full
 * sync that reports what it changed, so an upgrade in the middle of a burst loses no push.
 */
function eventsOf(job: MirrorJob): JobEvent[] {
  return (job.events as JobEvent[] | undefined) ?? [{ kind: "sync", trigger: "startup", target: null }];
}

/** Commits that get a "GitLab mirror" check run: the newest tip of each pushed ref, newest push last. */
export function reportTargetsOf(job: MirrorJob): ReportTarget[] {
  return newestPerKey(
    eventsOf(job).flatMap((e): ReportTarget[] => {
      if (e.kind === "github-push") return e.sha ? [{ ref: e.ref, sha: e.sha }] : [];
      if (e.kind === "rerun" || e.kind === "sync") return e.target ? [e.target] : [];
      return [];
    }),
    (t) => t.ref,
  );
}

/** GitLab commits pushed (pull and both mirrors): each gets a `github-mirror` status. Newest tip per (project, ref). */
export function gitlabTargetsOf(job: MirrorJob): GitLabReportTarget[] {
  return newestPerKey(
    eventsOf(job).flatMap((e) => (e.kind === "gitlab-push" && e.sha ? [{ projectId: e.projectId, ref: e.ref, sha: e.sha }] : [])),
    (t) => `${t.projectId} ${t.ref}`,
  );
}

/** Commits whose changed .mirror.yml must be validated (any branch). */
export function configCommitsOf(job: MirrorJob): string[] {
  return [...new Set(eventsOf(job).flatMap((e) => (e.kind === "github-push" && e.sha && e.configChanged ? [e.sha] : [])))];
}

/**
 * PURE: the tips each pushed ref had before each push folded into this job, on one side (and one
 * GitLab project). A target still at one of them holds only the source's old work, so it follows a
 * rewrite or deletion (plan-ref-updates.ts). Every `before` in a chain of pushes counts.
 */
export function beforesOf(job: MirrorJob, side: "github" | "gitlab", projectId?: number): Map<string, Set<string>> {
  const byRef = new Map<string, Set<string>>();
  for (const e of eventsOf(job)) {
    const matches = side === "github" ? e.kind === "github-push" : e.kind === "gitlab-push" && e.projectId === projectId;
    if (!matches || !("before" in e) || !e.before) continue;
    byRef.set(e.ref, (byRef.get(e.ref) ?? new Set()).add(e.before));
  }
  return byRef;
}

/** Also report on the new tips of whatever the sync changed (jobs with no pushed commit of their own). */
export function reportsChanges(job: MirrorJob): boolean {
  return eventsOf(job).some((e) => e.kind === "sync");
}

/** The newest word wins: a repository removed and added again is mirrored again. */
export function isDrop(job: MirrorJob): boolean {
  return eventsOf(job).at(-1)?.kind === "drop";
}

/** Repository facts from the newest (signed) push payload, saving an API round trip; absent for other jobs. */
export function repositoryOf(job: MirrorJob): RepositorySnapshot | undefined {
  const events = eventsOf(job);
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.kind === "github-push") return e.repository;
  }
  return undefined;
}

/** Every event of the job is a push to GitHub: none is a reconciliation, a re-run or a push to GitLab. */
export function onlyGitHubPushes(job: MirrorJob): boolean {
  return eventsOf(job).every((e) => e.kind === "github-push");
}

/** What asked for the job, for logs: the newest event's kind (or its sync trigger). */
export function triggerOf(job: MirrorJob): string {
  const newest = eventsOf(job).at(-1);
  if (!newest) return "unknown";
  if (newest.kind === "github-push") return "push";
  if (newest.kind === "sync") return newest.trigger;
  if (newest.kind === "drop") return "uninstall";
  return newest.kind;
}

/** The last item per key, in the order of their last occurrence. */
function newestPerKey<T>(items: T[], keyOf: (item: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const item of items) {
    byKey.delete(keyOf(item)); // re-insert so the newest sorts last
    byKey.set(keyOf(item), item);
  }
  return [...byKey.values()];
}
