/**
 * What every mirror does before git runs, whichever way it goes: the operator's access policy,
 * the GitLab project hook (pull and both), and the engine's safety inputs (the agreement record,
 * the events' befores, two-way mode, backups).
 * Also the bounce log's two sides (see bounces.ts). Shared by the push half (run-mirror-job.ts)
 * and the pull half (run-pull-mirror.ts).
 */
import { pipelinesOn, type MirrorConfig } from "../config/schema.js";
import type { AppEnv } from "../env.js";
import { MirrorError } from "../errors.js";
import type { CheckRunOutput } from "../github/check-runs.js";
import type { GitLabClient, GitLabProject } from "../gitlab/client.js";
import { HookRegistrar, type HookOutcome } from "../gitlab/hooks.js";
import type { MirrorRequest, RefChange } from "../mirror/types.js";
import { checkAccess, policyFromEnv, type AccessPolicy } from "../policy/access-policy.js";
import { BounceLog, type Side } from "./bounces.js";
import { beforesOf, type MirrorJob, type RepositorySnapshot } from "./mirror-job.js";
import { cacheLayout } from "../cache/layout.js";
import type { AgreedStore } from "../records/agreed-store.js";

export interface TwoWayDeps {
  bounces: BounceLog;
  hooks: HookRegistrar;
  policy: AccessPolicy;
}

export function createTwoWayDeps(env: AppEnv, gitlab: GitLabClient): TwoWayDeps {
  return {
    bounces: new BounceLog(),
    hooks: new HookRegistrar(gitlab, { publicUrl: env.publicUrl, secret: env.gitlabWebhookSecret }),
    policy: policyFromEnv(env),
  };
}

/** The GitLab → GitHub cache: one bare repository per (repository, project), next to the push cache. */
export function pullCacheDir(env: AppEnv, job: Pick<MirrorJob, "owner" | "repo">, projectId: number): string {
  return cacheLayout(env.cacheDir).pullCache(job, projectId);
}

export type Half = "push" | "pull";

export interface Prepared {
  /** The MirrorRequest fields every half sets the same way: agreement, befores, two-way, backups. */
  request: Pick<MirrorRequest, "agreed" | "befores" | "twoWay" | "backups">;
  hook?: HookOutcome;
}

/**
 * Throws MirrorError("policy_denied") when the operator's policy forbids the mirror; registers the
 * GitLab hook for pull and both mirrors (never fatal: the report carries the problem); and gives
 * the half the safety inputs of the engine (see MirrorRequest).
 */
export async function prepareMirror(
  deps: { twoWay: TwoWayDeps; agreed: AgreedStore; env: AppEnv; now?: () => Date },
  half: Half,
  job: MirrorJob,
  mirror: MirrorConfig,
  project: GitLabProject,
  repository: RepositorySnapshot,
): Promise<Prepared> {
  enforceAccess(deps.twoWay.policy, job, mirror, project, repository);
  const targetVisibility = half === "push" ? project.visibility : repository.visibility;
  const request: Prepared["request"] = {
    agreed: deps.agreed.forMirror(job, project.id),
    befores: half === "push" ? beforesOf(job, "github") : beforesOf(job, "gitlab", project.id),
    twoWay: mirror.direction === "both",
    ...(backupsOn(mirror, targetVisibility, deps.env) ? { backups: { now: deps.now } } : {}),
  };
  const events = { push: mirror.direction !== "push", pipelines: pipelinesOn(mirror) };
  if (!events.push && !events.pipelines) return { request };
  const hook = await deps.twoWay.hooks.ensure(project, events);
  // A push mirror needs the hook only to report pipelines, and mirrors fine without it: its problem is said once.
  return { request, ...(events.push || hook.ok || !hook.repeat ? { hook } : {}) };
}

/** Throws MirrorError("policy_denied") when the operator's policy forbids the mirror. */
function enforceAccess(policy: AccessPolicy, job: MirrorJob, mirror: MirrorConfig, project: GitLabProject, repository: RepositorySnapshot): void {
  const decision = checkAccess(policy, {
    direction: mirror.direction,
    project,
    repository: { fullName: `${job.owner}/${job.repo}`, visibility: repository.visibility },
  });
  if (!decision.allowed) throw new MirrorError("policy_denied", decision.message, { advice: decision.advice });
}

const DESTRUCTIVE: ReadonlySet<RefChange["action"]> = new Set(["force-update", "delete", "force-delete"]);

/**
 * Before a plan that deletes or force-updates refs is pushed: the project is read from GitLab
 * afresh (the cached one may be minutes old) and the access policy, which reads its namespace and
 * visibility, is checked again. A project that is no longer the one planned against (deleted and
 * another created at the path) stops the push; the retry starts over with the new one.
 */
export async function confirmBeforeDestructive(
  deps: { twoWay: TwoWayDeps; gitlab: Pick<GitLabClient, "showProject"> },
  job: MirrorJob,
  mirror: MirrorConfig,
  planned: GitLabProject,
  repository: RepositorySnapshot,
  changes: RefChange[],
): Promise<void> {
  if (!changes.some((c) => DESTRUCTIVE.has(c.action))) return;
  const current = await deps.gitlab.showProject(mirror.gitlab, { fresh: true });
  if (current.id !== planned.id) {
    throw new MirrorError("lease_lost", `GitLab project ${String(mirror.gitlab)} was replaced while mirroring; nothing was pushed`, {
      advice: "Another project now has this path. The sync starts over with it.",
      retryable: true,
    });
  }
  enforceAccess(deps.twoWay.policy, job, mirror, current, repository);
}

/**
 * Backups keep what a force-push removed, so they would also keep a leaked secret someone
 * force-pushed away: on by default only where the target is not public. `backups:` overrides;
 * MIRROR_BACKUP_DAYS=0 turns them off everywhere.
 */
export function backupsOn(mirror: Pick<MirrorConfig, "backups">, targetVisibility: "public" | "private" | "internal", env: Pick<AppEnv, "backupDays">): boolean {
  if (env.backupDays === 0) return false;
  return mirror.backups ?? targetVisibility !== "public";
}

/** True (once) when a report target is this mirror's own push coming back from `side`. */
export function isOwnBounce(twoWay: TwoWayDeps, side: Side, job: MirrorJob, mirror: MirrorConfig, target: { ref: string; sha: string }): boolean {
  return twoWay.bounces.takeBounce(side, job.key, String(mirror.gitlab), target.ref, target.sha);
}

export function recordOwnPushes(twoWay: TwoWayDeps, side: Side, job: MirrorJob, mirror: MirrorConfig, changes: RefChange[]): void {
  twoWay.bounces.recordPushed(side, job.key, String(mirror.gitlab), changes);
}

/**
 * A report, plus what the user must know when GitLab cannot tell mirror-bot about its pushes or
 * pipelines. A push mirror mirrors fine without the hook (only its pipelines go unreported), so
 * its title stays the mirror's outcome and the summary says the rest.
 */
export function withHookProblem<R extends { output: CheckRunOutput }>(report: R, hook: HookOutcome | undefined, mirror: Pick<MirrorConfig, "direction">): R {
  if (!hook || hook.ok) return report;
  return {
    ...report,
    output: {
      ...report.output,
      ...(mirror.direction !== "push" ? { title: `${report.output.title} (GitLab webhook missing: see details)` } : {}),
      summary: `${report.output.summary}\n\n### ${hook.title}\n\n${hook.summary}`,
    },
  };
}
