/**
 * What the queue carries: plain JSON (so a Redis-backed queue can store it), one job per
 * GitHub repository, merged when a newer event arrives before the job started.
 */
export interface ReportTarget {
  /** The ref whose new tip carries the check run, e.g. refs/heads/main. */
  ref: string;
  sha: string;
}

export interface MirrorJob {
  /** Serialization key: jobs with the same key never run concurrently. */
  key: string;
  installationId: number;
  owner: string;
  repo: string;
  /** Webhook deliveries folded into this job (for logs and de-duplication). */
  deliveryIds: string[];
  /** Commits that get a "GitLab mirror" check run: the newest tip of each pushed ref. */
  reportTargets: ReportTarget[];
  /** Commits whose changed .mirror.yml must be validated (any branch). */
  validateConfigAt: string[];
  enqueuedAt: number;
  /** Repository facts from the (signed) webhook payload, saving an API round trip; absent for re-runs. */
  repository?: RepositorySnapshot;
  /**
   * Also report on the new tips of whatever the sync changed. Set for jobs that have no pushed
   * commit of their own (reconciliation, "Sync now", the CLI, a new installation).
   */
  reportChanges?: boolean;
  /** What asked for the job, for logs: push, rerun, reconcile, sync-now, install, cli. */
  trigger?: string;
  /** The repository left the installation (or the app was uninstalled): drop its cache, do no work. */
  drop?: boolean;
  /** GitLab commits pushed (GitLab webhooks, pull/both mirrors): each gets a `github-mirror` status. */
  gitlabTargets?: GitLabReportTarget[];
  /**
   * The tip each pushed ref had before each push folded into this job (the events' `before`),
   * on the side that was pushed to. A target still at one of them holds only the source's old
   * work, so it follows a rewrite or deletion (plan-ref-updates.ts).
   */
  befores?: SourceBefore[];
}

export type SourceBefore = { side: "github"; ref: string; sha: string } | { side: "gitlab"; projectId: number; ref: string; sha: string };

/** PURE: the befores of one side (and one GitLab project), as the engine takes them. */
export function beforesOf(job: Pick<MirrorJob, "befores">, side: "github" | "gitlab", projectId?: number): Map<string, Set<string>> {
  const byRef = new Map<string, Set<string>>();
  for (const before of job.befores ?? []) {
    if (before.side !== side || (before.side === "gitlab" && before.projectId !== projectId)) continue;
    byRef.set(before.ref, (byRef.get(before.ref) ?? new Set()).add(before.sha));
  }
  return byRef;
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

export function jobKey(owner: string, repo: string): string {
  return `${owner}/${repo}`.toLowerCase();
}

/** Folds `newer` into `older`: newest tip per ref wins, lists are unioned, order kept. */
export function mergeJobs(older: MirrorJob, newer: MirrorJob): MirrorJob {
  const byRef = new Map(older.reportTargets.map((t) => [t.ref, t] as const));
  for (const target of newer.reportTargets) {
    byRef.delete(target.ref); // re-insert so the newest push sorts last
    byRef.set(target.ref, target);
  }
  return {
    ...older,
    installationId: newer.installationId,
    repository: newer.repository ?? older.repository,
    deliveryIds: [...older.deliveryIds, ...newer.deliveryIds],
    reportTargets: [...byRef.values()],
    validateConfigAt: [...new Set([...older.validateConfigAt, ...newer.validateConfigAt])],
    ...mergeGitLabTargets(older.gitlabTargets, newer.gitlabTargets),
    // Every `before` in the chain of pushes counts, so none is dropped.
    ...(older.befores || newer.befores ? { befores: unionBy([...(older.befores ?? []), ...(newer.befores ?? [])], (b) => JSON.stringify(b)) } : {}),
    ...(older.reportChanges || newer.reportChanges ? { reportChanges: true } : {}),
    ...((newer.trigger ?? older.trigger) ? { trigger: newer.trigger ?? older.trigger } : {}),
    // The newest word wins: a repository removed and added again is mirrored again.
    drop: newer.drop ? true : undefined,
  };
}

/** Newest tip per (project, ref) wins, as for GitHub targets; absent when neither job had any. */
function mergeGitLabTargets(older: GitLabReportTarget[] = [], newer: GitLabReportTarget[] = []): { gitlabTargets?: GitLabReportTarget[] } {
  if (older.length === 0 && newer.length === 0) return {};
  const byRef = new Map(older.map((t) => [`${t.projectId} ${t.ref}`, t] as const));
  for (const target of newer) {
    byRef.delete(`${target.projectId} ${target.ref}`);
    byRef.set(`${target.projectId} ${target.ref}`, target);
  }
  return { gitlabTargets: [...byRef.values()] };
}

function unionBy<T>(items: T[], key: (item: T) => string): T[] {
  return [...new Map(items.map((item) => [key(item), item] as const)).values()];
}
