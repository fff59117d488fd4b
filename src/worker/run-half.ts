/**
 * One half of a mirror, whichever way it goes: GitHub → GitLab (push-half.ts) or GitLab → GitHub
 * (pull-half.ts). The direction is data: what differs (which side is fetched, which pushed, where
 * the reports go) is in a HalfDirection; everything else (policy, the engine's safety inputs,
 * retries, the one rendering of the report, the retry note, the failure issue, the status page,
 * metrics and the outcome's log line) is here once, so every feature holds for both directions.
 */
import type { Logger } from "pino";
import type { MirrorConfig } from "../config/schema.js";
import type { GitHubClient, RepoRef } from "../github/types.js";
import type { GitLabProject } from "../gitlab/client.js";
import type { HookOutcome } from "../gitlab/hooks.js";
import type { FetchedSource, MirrorRequest, MirrorResult } from "../mirror/types.js";
import type { RenderedReport } from "../report/rendered-report.js";
import type { MirrorStatusRecord } from "../status/types.js";
import { withRetry, type RetryOutcome } from "../retry.js";
import { toMirrorError, type ErrorCode } from "../errors.js";
import type { MirrorJob, RepositorySnapshot } from "./mirror-job.js";
import type { WorkerDeps } from "./deps.js";
import { confirmBeforeDestructive, prepareMirror, recordOwnPushes, withHookProblem, type Half, type Prepared } from "./two-way.js";

/** Git work started at the beginning of the job, for the first attempt of the first push half. */
export interface EarlyGitWork {
  fetched: Promise<FetchedSource | undefined>;
  /** The installation token the early fetch ended with (a new one if GitHub refused the cached one); settles with the fetch. */
  token: Promise<string>;
}

export interface HalfContext {
  job: MirrorJob;
  deps: WorkerDeps;
  log: Logger;
  octokit: GitHubClient;
  repo: RepoRef;
  repository: RepositorySnapshot;
  /** Installation token. */
  token: string;
  mirror: MirrorConfig;
  early?: EarlyGitWork;
}

export interface HalfOutcome {
  project: GitLabProject | undefined;
  /** The GitLab project hook (pull and both), when it was checked. */
  hook?: HookOutcome;
  outcome: RetryOutcome<MirrorResult>;
  durationMs: number;
}

/** What one direction does differently. `B` is what `begin` hands to `publish`. */
export interface HalfDirection<B = unknown> {
  name: Half;
  /** Before the sync, e.g. the push half's in-progress check runs on the pushed commits. */
  begin(ctx: HalfContext): B;
  /** The GitLab project (the push half creates it when `create: true`). */
  project(ctx: HalfContext): Promise<GitLabProject>;
  /** The engine request: sides, credentials, pre-flight, progress; the safety inputs are added by runHalf. */
  request(ctx: HalfContext, project: GitLabProject, attempt: number, begun: B): Promise<Omit<MirrorRequest, keyof Prepared["request"]>>;
  render(ctx: HalfContext, done: HalfOutcome): RenderedReport;
  /** Writes the reports; resolves to the GitHub commits that got a check run. */
  publish(ctx: HalfContext, report: RenderedReport, done: HalfOutcome, begun: B): Promise<string[]>;
  /** The cache this half fetches into (for reports on what a sync changed). */
  cacheDir(ctx: HalfContext, project: GitLabProject | undefined): string;
}

/**
 * The mirror's name on the status page, in retry notes and failure issues: the GitLab project, and
 * for the second half of a `both` mirror its direction too, so each half keeps its own record.
 */
export function halfTarget(mirror: Pick<MirrorConfig, "gitlab" | "direction">, half: Half): string {
  return half === "pull" && mirror.direction === "both" ? `${String(mirror.gitlab)} (GitLab → GitHub)` : String(mirror.gitlab);
}

/** What git or GitLab answers when a cached project moved, was deleted or lost the token's access. */
const STALE_PROJECT_CODES: ReadonlySet<ErrorCode> = new Set(["gitlab_project_not_found", "gitlab_forbidden", "gitlab_unauthorized", "auth_failed"]);

export async function runHalf<B>(ctx: HalfContext, direction: HalfDirection<B>): Promise<void> {
  const { job, deps, log, octokit, repo, repository, mirror } = ctx;
  const started = Date.now();
  const target = halfTarget(mirror, direction.name);
  const begun = direction.begin(ctx);
  let project: GitLabProject | undefined;
  let hook: HookOutcome | undefined;

  const sync = async (attempt: number) => {
    project = await direction.project(ctx);
    const prepared = await prepareMirror(deps, direction.name, job, mirror, project, repository); // policy, hook, safety inputs
    hook = prepared.hook;
    const request = await direction.request(ctx, project, attempt, begun);
    const planned = project;
    const screen = request.screenChanges;
    // A deletion or forced update is checked against the project as GitLab has it now (two-way.ts).
    const screenChanges: MirrorRequest["screenChanges"] = async (changes, cache) => {
      await confirmBeforeDestructive(deps, job, mirror, planned, repository, changes);
      return screen ? screen(changes, cache) : [];
    };
    return deps.mirrorRefs({ ...request, screenChanges, ...prepared.request });
  };
  let lookedUpAgain = false;
  const outcome = await withRetry(
    async (attempt) => {
      try {
        return await sync(attempt);
      } catch (error) {
        // The project may have come from the cache and have moved or gone since: look it up once more.
        if (lookedUpAgain || !STALE_PROJECT_CODES.has(toMirrorError(error).code)) throw error;
        lookedUpAgain = true;
        deps.gitlab.forgetProject(mirror.gitlab);
        log.info({ direction: direction.name, target, code: toMirrorError(error).code }, `looking up GitLab project ${String(mirror.gitlab)} again`);
        return sync(attempt);
      }
    },
    {
      attempts: deps.env.retryAttempts,
      baseMs: deps.env.retryBaseMs,
      sleep: deps.sleep,
      onRetry: (error, attempt, waitMs) => {
        deps.gitlab.forgetProject(mirror.gitlab);
        deps.metrics?.retried({ reason: error.code });
        log.warn({ direction: direction.name, target, code: error.code, attempt, waitMs }, `retrying mirror ${target}: ${error.userMessage}`);
      },
    },
  );
  // Whatever failed may have been the project (moved, deleted, access taken away): the next sync looks it up afresh.
  if (!outcome.ok) deps.gitlab.forgetProject(mirror.gitlab);
  if (outcome.ok) recordOwnPushes(deps.twoWay, direction.name === "push" ? "gitlab" : "github", job, mirror, outcome.value.changes);
  const done: HalfOutcome = { project, hook, outcome, durationMs: Date.now() - started };
  const rendered = withHookProblem(direction.render(ctx, done), hook, mirror);

  const previous = await deps.status?.get?.({ owner: job.owner, repo: job.repo, target }).catch((error) => {
    log.warn({ err: error, target }, "could not read the mirror's last status: its failure count starts again");
    return undefined;
  });
  const finished = {
    job,
    octokit,
    repo,
    defaultBranch: repository.defaultBranch,
    mirror,
    target,
    result: outcome.ok ? outcome.value : null,
    previous,
    cacheDir: direction.cacheDir(ctx, project),
  };
  const report = (await deps.followUp?.amend({ ...finished, report: rendered })) ?? rendered;

  deps.background.run(
    direction.publish(ctx, report, done, begun).then((reportedShas) => deps.followUp?.after({ ...finished, report, reportedShas })),
    { what: `publish the reports of the mirror ${target}`, log },
  );
  deps.background.run(recordStatus(ctx, direction.name, target, previous, report, done), { what: `record the status of the mirror ${target}`, log });
  logOutcome(log, direction.name, String(mirror.gitlab), target, report, done);
}

async function recordStatus(
  { job, deps, repository, mirror }: HalfContext,
  half: Half,
  target: string,
  /** Read once before the run (runHalf), for the follow-up and this record alike. */
  previous: MirrorStatusRecord | undefined,
  report: RenderedReport,
  { project, outcome, durationMs }: HalfOutcome,
) {
  const failed = report.conclusion !== "success";
  deps.metrics?.jobFinished({ direction: half, result: failed ? "failure" : "success" }, durationMs);
  // A failure to write is logged by the background task (runHalf).
  await deps.status?.record({
    installationId: job.installationId,
    owner: job.owner,
    repo: job.repo,
    private: repository.private,
    direction: mirror.direction,
    target,
    ...(project?.webUrl ? { targetUrl: project.webUrl } : {}),
    lastSyncAt: new Date().toISOString(),
    lastResult: failed ? "failure" : "success",
    lastTitle: report.output.title,
    ...(failed ? { lastError: outcome.ok ? report.output.title : outcome.error.userMessage } : {}),
    lagRefs: outcome.ok ? outcome.value.refusals.length + (outcome.value.blocked?.length ?? 0) : (previous?.lagRefs ?? 0),
    durationMs,
    consecutiveFailures: failed ? (previous?.consecutiveFailures ?? 0) + 1 : 0,
  });
}

/** One structured line per half's outcome, labelled with the half as the metrics are. */
function logOutcome(log: Logger, half: Half, projectPath: string, target: string, report: RenderedReport, { outcome, durationMs }: HalfOutcome) {
  const line = {
    direction: half,
    target,
    durationMs,
    attempts: outcome.attempts,
    conclusion: report.conclusion,
    changes: outcome.ok ? outcome.value.changes.map((c) => `${c.action} ${c.ref}`) : [],
    refused: outcome.ok ? [...outcome.value.refusals.map((r) => `${r.reason} ${r.ref}`), ...(outcome.value.blocked ?? []).map((b) => `${b.rule} ${b.ref}`)] : [],
    deferred: outcome.ok ? (outcome.value.deferred ?? []) : [],
    code: outcome.ok ? undefined : outcome.error.code,
  };
  const way = half === "push" ? `to ${projectPath}` : `from ${projectPath}`;
  if (report.conclusion === "success") log.info(line, `mirrored ${way}: ${report.output.title}`);
  else log.warn(line, `mirror ${way} failed: ${report.output.title}`);
}
