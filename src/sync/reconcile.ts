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
import type { GitLabClient } from "../gitlab/client.js";
import type { IndexedRepository } from "../index/mirror-index.js";
import { compareRefs, type RefComparison, type CompareRequest } from "../mirror/compare-refs.js";
import type { EnqueueOutcome, JobQueue } from "../queue/job-queue.js";
import { registerSecret } from "../secrets.js";
import { jobKey, type MirrorJob } from "../worker/mirror-job.js";

export type SyncTrigger = "startup" | "interval" | "retry" | "config" | "install" | "sync-now" | "cli";

export interface ReconcileDeps {
  env: AppEnv;
  log: Logger;
  getOctokit(installationId: number): Promise<GitHubClient>;
  gitlab: GitLabClient;
  queue: Pick<JobQueue, "enqueue">;
  compare?: (req: CompareRequest) => Promise<RefComparison>;
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

/** The job every sync without a pushed commit uses: full sync, report on what changed. */
export function syncJob(entry: Pick<IndexedRepository, "installationId" | "owner" | "repo">, trigger: SyncTrigger, deliveryId?: string): MirrorJob {
  return {
    key: jobKey(entry.owner, entry.repo),
    installationId: entry.installationId,
    owner: entry.owner,
    repo: entry.repo,
    deliveryIds: deliveryId ? [deliveryId] : [],
    reportTargets: [],
    validateConfigAt: [],
    enqueuedAt: Date.now(),
    reportChanges: true,
    trigger,
  };
}

/** Compares every mirror of the repository; queues one sync when any differs. */
export async function reconcileRepository(entry: IndexedRepository, trigger: SyncTrigger, deps: ReconcileDeps): Promise<ReconcileResult> {
  const drift = await findDrift(entry, deps);
  // A retry of a failing mirror always syncs: only a completed sync can record its recovery.
  const differs = trigger === "retry" || drift.some((d) => d.differing.length > 0 || d.error);
  const log = deps.log.child({ repo: `${entry.owner}/${entry.repo}`, trigger });
  if (!differs) {
    log.debug("reconcile: in sync");
    return { drift, enqueued: null };
  }
  const enqueued = await deps.queue.enqueue(syncJob(entry, trigger));
  log.info({ drift: drift.filter((d) => d.differing.length > 0 || d.error) }, `reconcile: drift found, sync ${enqueued}`);
  return { drift, enqueued };
}

/** Per mirror: the refs that differ. A mirror that cannot be compared reports the error as drift. */
export async function findDrift(entry: IndexedRepository, deps: ReconcileDeps): Promise<MirrorDrift[]> {
  const octokit = await deps.getOctokit(entry.installationId);
  const ref = { owner: entry.owner, repo: entry.repo };
  const [repository, token] = await Promise.all([getRepository(octokit, ref), installationToken(octokit)]);
  registerSecret(token);
  const drift: MirrorDrift[] = [];
  for (const mirror of entry.mirrors) {
    drift.push(await mirrorDrift(mirror, repository.cloneUrl, token, deps));
  }
  return drift;
}

async function mirrorDrift(mirror: MirrorConfig, cloneUrl: string, token: string, deps: ReconcileDeps): Promise<MirrorDrift> {
  const target = String(mirror.gitlab);
  try {
    const project = await deps.gitlab.showProject(mirror.gitlab);
    const comparison = await (deps.compare ?? compareRefs)({
      source: { url: cloneUrl, username: "x-access-token", password: token },
      target: { url: project.httpUrlToRepo, username: "oauth2", password: deps.env.gitlabToken ?? "" },
      includeRef: createRefFilter(mirror),
      prune: mirror.prune,
      timeoutMs: deps.env.gitTimeoutMs,
    });
    return { target, differing: comparison.differences.map((d) => d.ref) };
  } catch (error) {
    // A missing project (create: true makes it), an expired token...: the job reports it properly.
    return { target, differing: [], error: toMirrorError(error).userMessage };
  }
}
