/**
 * What every mirror does before git runs, whichever way it goes: the operator's access policy,
 * the GitLab project hook (pull and both), and where a `both` mirror keeps its agreement state.
 * Also the bounce log's two sides (see bounces.ts). Shared by the push half (run-mirror-job.ts)
 * and the pull half (run-pull-mirror.ts).
 */
import path from "node:path";
import type { MirrorConfig } from "../config/schema.js";
import type { AppEnv } from "../env.js";
import { MirrorError } from "../errors.js";
import type { CheckRunOutput } from "../github/check-runs.js";
import type { GitLabClient, GitLabProject } from "../gitlab/client.js";
import { HookRegistrar, type HookOutcome } from "../gitlab/hooks.js";
import type { MirrorRequest, RefChange } from "../mirror/types.js";
import { checkAccess, policyFromEnv, type AccessPolicy } from "../policy/access-policy.js";
import { BounceLog, type Side } from "./bounces.js";
import type { MirrorJob, RepositorySnapshot } from "./mirror-job.js";

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

const safe = (s: string) => s.toLowerCase().replace(/[^a-z0-9._-]/g, "_");

/** The GitLab → GitHub cache: one bare repository per (repository, project), next to the push cache. */
export function pullCacheDir(env: AppEnv, job: Pick<MirrorJob, "owner" | "repo">, projectId: number): string {
  return path.join(env.cacheDir, safe(job.owner), `${safe(job.repo)}.gitlab-${projectId}.git`);
}

/** Where a `both` mirror remembers the commits both sides last agreed on (two-way.ts in mirror/). */
export function syncedStatePath(env: AppEnv, job: Pick<MirrorJob, "owner" | "repo">, projectId: number): string {
  return path.join(env.cacheDir, safe(job.owner), `${safe(job.repo)}.gitlab-${projectId}.synced.json`);
}

export interface Prepared {
  /** Extra MirrorRequest fields for this half. */
  request: Partial<MirrorRequest>;
  hook?: HookOutcome;
}

/**
 * Throws MirrorError("policy_denied") when the operator's policy forbids the mirror; registers the
 * GitLab hook for pull and both mirrors (never fatal: the report carries the problem).
 */
export async function prepareMirror(
  twoWay: TwoWayDeps | undefined,
  env: AppEnv,
  job: MirrorJob,
  mirror: MirrorConfig,
  project: GitLabProject,
  repository: RepositorySnapshot,
): Promise<Prepared> {
  if (!twoWay) return { request: {} };
  const decision = checkAccess(twoWay.policy, {
    direction: mirror.direction,
    project,
    repository: { fullName: `${job.owner}/${job.repo}`, visibility: repository.visibility },
  });
  if (!decision.allowed) throw new MirrorError("policy_denied", decision.message, { advice: decision.advice });
  if (mirror.direction === "push") return { request: {} };
  const hook = await twoWay.hooks.ensure(project);
  const request: Partial<MirrorRequest> = mirror.direction === "both" ? { twoWay: { statePath: syncedStatePath(env, job, project.id) } } : {};
  return { request, hook };
}

/** True (once) when a report target is this mirror's own push coming back from `side`. */
export function isOwnBounce(twoWay: TwoWayDeps | undefined, side: Side, job: MirrorJob, mirror: MirrorConfig, target: { ref: string; sha: string }): boolean {
  return twoWay?.bounces.takeBounce(side, job.key, String(mirror.gitlab), target.ref, target.sha) ?? false;
}

export function recordOwnPushes(twoWay: TwoWayDeps | undefined, side: Side, job: MirrorJob, mirror: MirrorConfig, changes: RefChange[]): void {
  twoWay?.bounces.recordPushed(side, job.key, String(mirror.gitlab), changes);
}

/** A report, plus what the user must know when GitLab cannot tell mirror-bot about its pushes. */
export function withHookProblem<R extends { output: CheckRunOutput }>(report: R, hook: HookOutcome | undefined): R {
  if (!hook || hook.ok) return report;
  return {
    ...report,
    output: {
      ...report.output,
      title: `${report.output.title} (GitLab webhook missing: see details)`,
      summary: `${report.output.summary}\n\n### ${hook.title}\n\n${hook.summary}`,
    },
  };
}
