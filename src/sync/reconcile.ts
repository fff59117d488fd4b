/**
 * Reconciliation of one repository: webhooks get lost (the app was down, more than three tags
 * were pushed at once, a delivery failed), so every mirror is compared now and then with one
 * `ls-remote` per side. When anything differs (or cannot be compared) a normal mirror job is
 * queued: the same engine, the same safety rules, reported on what it changed.
 */
import type { Logger } from "pino";
import { createRefFilter } from "../config/match-refs.js";
import type { MirrorConfig } from "../config/schema.js";
import type { AppEnv } from "../env.js";
import { toMirrorError } from "../errors.js";
import { getRepository, installationToken } from "../github/repository.js";
import type { GitHubClient } from "../github/types.js";
import type { RepositoryCache } from "../github/repository-cache.js";
import type { GitLabClient } from "../gitlab/client.js";
import type { IndexedRepository } from "../index/mirror-index.js";
import { compareRefs, type RefComparison, type CompareRequest } from "../mirror/compare-refs.js";
import { pruneBackups } from "../mirror/remote-backups.js";
import type { GitEndpoint, RemoteName } from "../mirror/types.js";
import type { EnqueueOutcome } from "../queue/job-queue.js";
import { syncJob, type MirrorQueue, type SyncTrigger } from "../worker/mirror-job.js";

export interface ReconcileDeps {
  env: AppEnv;
  log: Logger;
  getOctokit(installationId: number): Promise<GitHubClient>;
  gitlab: GitLabClient;
  queue: Pick<MirrorQueue, "enqueue">;
  compare?: (req: CompareRequest) => Promise<RefComparison>;
  /** The clock backup retention is judged by (tests inject one). */
  now?: () => Date;
  /** Repository facts kept with their ETag, so an unchanged repository costs no rate limit (absent: plain reads). */
  repositories?: RepositoryCache;
  /** Asks GitLab again about the repository's pipelines whose check runs are still open (pipelines/pipeline-reporter.ts). */
  reconcilePipelines?: (entry: IndexedRepository) => Promise<void>;
}

export interface MirrorDrift {
  target: string;
  /** Refs that differ, or why the sides could not be compared. */
  differing: string[];
  error?: string;
}

export interface ReconcileResult {
  drift: MirrorDrift[];
  enqueued: EnqueueOutcome | null;
}

/** Compares every mirror of the repository; queues one sync when any differs. */
export async function reconcileRepository(entry: IndexedRepository, trigger: SyncTrigger, deps: ReconcileDeps): Promise<ReconcileResult> {
  const days = deps.env.backupDays;
  const cutoff = days > 0 ? new Date((deps.now ?? (() => new Date()))().getTime() - days * 86_400_000) : undefined;
  const drift = await findDrift(entry, deps, { pruneBackupsBefore: cutoff });
  // A retry of a failing mirror always syncs: only a completed sync can record its recovery.
  const differs = trigger === "retry" || drift.some((d) => d.differing.length > 0 || d.error);
  const log = deps.log.child({ repo: `${entry.owner}/${entry.repo}`, trigger });
  // A pipeline check run left spinning by a lost webhook is fixed whether or not the refs differ.
  await deps.reconcilePipelines?.(entry).catch((error) => log.warn({ err: error }, "reconcile: could not ask GitLab about the open pipeline check runs"));
  if (!differs) {
    log.debug("reconcile: in sync");
    return { drift, enqueued: null };
  }
  const enqueued = await deps.queue.enqueue(syncJob(entry, trigger));
  log.info({ drift: drift.filter((d) => d.differing.length > 0 || d.error) }, `reconcile: drift found, sync ${enqueued}`);
  return { drift, enqueued };
}

/**
 * Per mirror: the refs that differ. A mirror that cannot be compared reports the error as drift.
 * With `pruneBackupsBefore` (reconciliation, not `mirror-bot status`), backup refs older than that
 * are deleted on both sides of each mirror: their retention period is over.
 */
export async function findDrift(entry: IndexedRepository, deps: ReconcileDeps, options: { pruneBackupsBefore?: Date } = {}): Promise<MirrorDrift[]> {
  const octokit = await deps.getOctokit(entry.installationId);
  const ref = { owner: entry.owner, repo: entry.repo };
  const [repository, token] = await Promise.all([deps.repositories ? deps.repositories.get(octokit, ref) : getRepository(octokit, ref), installationToken(octokit)]);
  const drift: MirrorDrift[] = [];
  for (const mirror of entry.mirrors) {
    drift.push(await mirrorDrift(mirror, repository.cloneUrl, token, deps, options.pruneBackupsBefore));
  }
  return drift;
}

async function mirrorDrift(mirror: MirrorConfig, cloneUrl: string, token: string, deps: ReconcileDeps, pruneBackupsBefore: Date | undefined): Promise<MirrorDrift> {
  const target = String(mirror.gitlab);
  try {
    const project = await deps.gitlab.showProject(mirror.gitlab);
    const github = { url: cloneUrl, username: "x-access-token", password: token };
    const gitlab = { url: project.httpUrlToRepo, username: "oauth2", password: deps.env.gitlabToken ?? "" };
    const comparison = await (deps.compare ?? compareRefs)({
      source: github,
      target: gitlab,
      includeRef: createRefFilter(mirror),
      prune: mirror.prune,
      timeoutMs: deps.env.gitTimeoutMs,
      // The backups to prune come with the same listing: one ls-remote per side, not two.
      ...(pruneBackupsBefore ? { listBackupsOn: backupSides(mirror) } : {}),
    });
    if (pruneBackupsBefore) await pruneExpired(mirror, { GitHub: github, GitLab: gitlab }, pruneBackupsBefore, deps, comparison.backups);
    return { target, differing: comparison.differences.map((d) => d.ref) };
  } catch (error) {
    // A missing project (create: true makes it), an expired token...: the job reports it properly.
    return { target, differing: [], error: toMirrorError(error).userMessage };
  }
}

/** The side(s) a mirror pushes to, where its backups are kept. */
const backupSides = (mirror: MirrorConfig): RemoteName[] => (mirror.direction === "push" ? ["GitLab"] : mirror.direction === "pull" ? ["GitHub"] : ["GitLab", "GitHub"]);

/** Deletes a mirror's expired backups on the side(s) it pushes to (`listed`: by the comparison). A failure is logged: the next pass tries again. */
async function pruneExpired(
  mirror: MirrorConfig,
  endpoints: Record<RemoteName, GitEndpoint>,
  cutoff: Date,
  deps: ReconcileDeps,
  listed: Partial<Record<RemoteName, Map<string, string>>>,
): Promise<void> {
  for (const remote of backupSides(mirror)) {
    try {
      const pruned = await pruneBackups({ endpoint: endpoints[remote], remote, timeoutMs: deps.env.gitTimeoutMs }, cutoff, listed[remote]);
      if (pruned.length > 0) deps.log.info({ target: String(mirror.gitlab), side: remote, refs: pruned.map((b) => b.backupRef) }, `pruned ${pruned.length} expired backup ref(s)`);
    } catch (error) {
      deps.log.warn({ err: error, target: String(mirror.gitlab), side: remote }, "could not prune expired backup refs; the next reconciliation tries again");
    }
  }
}
