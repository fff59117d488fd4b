/**
 * One job: config → for each push mirror: check runs started → GitLab project → mirror refs
 * (retried on transient failures) → check runs completed. Never throws: every failure ends as
 * a completed check run and a log line. GitHub writes that follow the git work run in the
 * background (see background.ts) so the repository is free for its next job at once.
 */
import type { Logger } from "pino";
import type { MirrorConfig } from "../config/schema.js";
import { createRefFilter } from "../config/match-refs.js";
import { toMirrorError } from "../errors.js";
import type { AppEnv } from "../env.js";
import { completeCheckRun, createCompletedCheckRun, startCheckRun } from "../github/check-runs.js";
import { defaultBranchHead, getRepository, installationToken } from "../github/repository.js";
import type { GitHubClient, RepoRef } from "../github/types.js";
import type { GitLabClient } from "../gitlab/client.js";
import type { FetchedSource, MirrorRequest, MirrorResult, PrelistedTarget } from "../mirror/types.js";
import { checkRunName, renderMirrorReport, type RenderedReport } from "../report/render-mirror-report.js";
import { withRetry, type RetryOutcome } from "../retry.js";
import { registerSecret } from "../secrets.js";
import type { Metrics, StatusStore } from "../status/types.js";
import type { MirrorIndex } from "../index/mirror-index.js";
import type { ProjectLinks } from "../index/project-links.js";
import type { BackgroundTasks } from "./background.js";
import { invalidConfigOutput, loadConfig, reportConfigValidation, CONFIG_FILE } from "./config-check.js";
import type { MirrorJob, RepositorySnapshot } from "./mirror-job.js";
import { SYNC_NOW_ACTION, type MirrorFollowUp } from "../sync/follow-up.js";
import { resolveProject } from "../sync/ensure-project.js";
import { runPullMirror } from "./run-pull-mirror.js";
import { screenProtectedBranches } from "../diagnostics/protected-branches.js";
import { isOwnBounce, prepareMirror, recordOwnPushes, withHookProblem, type TwoWayDeps } from "./two-way.js";
import type { HookOutcome } from "../gitlab/hooks.js";
import { DeferredCheckRun } from "./deferred-check-run.js";
import { cacheLayout } from "../cache/layout.js";
import type { AgreedStore } from "../records/agreed-store.js";

export interface WorkerDeps {
  env: AppEnv;
  log: Logger;
  getOctokit(installationId: number): Promise<GitHubClient>;
  gitlab: GitLabClient;
  mirrorRefs(request: MirrorRequest): Promise<MirrorResult>;
  /** Starts the GitHub fetch into an existing cache early (src/mirror/mirror-refs.ts). */
  prefetchSource?(request: Pick<MirrorRequest, "cacheDir" | "source" | "timeoutMs">): Promise<FetchedSource | undefined>;
  /** Starts listing the GitLab project this cache was last mirrored to, early (src/mirror/mirror-refs.ts). */
  prelistTarget?(request: { cacheDir: string; instanceUrl: string; credentials: { username: string; password: string }; timeoutMs?: number }): Promise<PrelistedTarget | undefined>;
  background: BackgroundTasks;
  index?: MirrorIndex;
  /** Hooks of the GitLab projects a config starts or stops pulling from (src/index/project-links.ts). */
  links?: Pick<ProjectLinks, "recorded">;
  status?: StatusStore;
  metrics?: Metrics;
  sleep?: (ms: number) => Promise<void>;
  /** After each mirror run: retry note, check runs on what a sync changed, failure issue (src/sync/follow-up.ts). */
  followUp?: MirrorFollowUp;
  /** Access policy, GitLab hooks and bounce log (src/worker/two-way.ts): required, so no path skips the policy. */
  twoWay: TwoWayDeps;
  /** Each mirror's agreement record (src/records/): required, so no path forgets what both sides agreed. */
  agreed: AgreedStore;
  /** The clock backup refs are stamped with (tests inject one). */
  now?: () => Date;
}

export function cacheDirFor(env: AppEnv, job: Pick<MirrorJob, "owner" | "repo">): string {
  return cacheLayout(env.cacheDir).pushCache(job);
}

export async function runMirrorJob(job: MirrorJob, deps: WorkerDeps): Promise<void> {
  const log = deps.log.child({ repo: `${job.owner}/${job.repo}`, deliveries: job.deliveryIds });
  const started = Date.now();
  // Start and end of the repository's turn in the queue (its git work; reports may follow in the background).
  log.debug("mirror job started");
  try {
    await runJob(job, deps, log);
  } catch (error) {
    // Only GitHub API failures (after Octokit's own retries) land here: nothing to report on.
    const mirrorError = toMirrorError(error);
    log.error({ code: mirrorError.code, err: error }, `mirror job failed: ${mirrorError.userMessage}`);
  }
  log.debug({ durationMs: Date.now() - started }, "mirror job ended");
  // For operators and end-to-end tests: when this job's check runs and statuses are all written.
  void deps.background.drain().then(() => log.debug("mirror job finished and reported"));
}

async function runJob(job: MirrorJob, deps: WorkerDeps, log: Logger): Promise<void> {
  const octokit = await deps.getOctokit(job.installationId);
  // The fetch from GitHub starts now, overlapping with reading the config and resolving the
  // GitLab project; the first push mirror waits for it (and reports its failure, if any).
  const prefetched = job.repository && deps.prefetchSource ? prefetch(job, deps, octokit, job.repository.cloneUrl) : undefined;
  prefetched?.catch(() => undefined);
  // So does listing the GitLab project this repository was last mirrored to (used if the config still names it).
  const prelisted = prefetched && deps.prelistTarget?.({
    cacheDir: cacheDirFor(deps.env, job),
    instanceUrl: deps.env.gitlabUrl,
    credentials: gitlabCredentials(deps.env),
    timeoutMs: deps.env.gitTimeoutMs,
  });
  try {
    await runMirrors(job, deps, log, octokit, prefetched && { fetched: prefetched, listed: prelisted });
  } finally {
    await Promise.all([prefetched?.catch(() => undefined), prelisted]); // no git process may outlive its job
  }
}

const gitlabCredentials = (env: AppEnv) => ({ username: "oauth2", password: env.gitlabToken ?? "" });

/** Git work started with the job, for the first attempt of its first push mirror. */
interface EarlyGitWork {
  fetched: Promise<FetchedSource | undefined>;
  listed: Promise<PrelistedTarget | undefined> | undefined;
}

async function prefetch(job: MirrorJob, deps: WorkerDeps, octokit: GitHubClient, cloneUrl: string): Promise<FetchedSource | undefined> {
  const token = await installationToken(octokit);
  registerSecret(token);
  return deps.prefetchSource!({
    cacheDir: cacheDirFor(deps.env, job),
    source: { url: cloneUrl, username: "x-access-token", password: token },
    timeoutMs: deps.env.gitTimeoutMs,
  });
}

async function runMirrors(job: MirrorJob, deps: WorkerDeps, log: Logger, octokit: GitHubClient, early: EarlyGitWork | undefined): Promise<void> {
  const repo: RepoRef = { owner: job.owner, repo: job.repo };
  const allowedUrl = deps.env.gitlabUrl;

  for (const sha of job.validateConfigAt) {
    deps.background.run(
      reportConfigValidation(octokit, repo, sha, allowedUrl).catch((error) => log.warn({ err: error, sha }, `could not validate ${CONFIG_FILE}`)),
    );
  }
  // Config comes from the default branch only: a push cannot redirect mirroring until merged.
  const [repository, config] = await Promise.all([
    job.repository ? Promise.resolve(job.repository) : getRepository(octokit, repo),
    loadConfig(octokit, repo, undefined, allowedUrl),
  ]);

  await recordConfig(job, deps, log, config.kind === "valid" ? config.config.mirrors : []);
  if (config.kind === "absent") {
    log.debug(`no ${CONFIG_FILE} on the default branch: nothing to do`);
    return;
  }
  if (config.kind === "invalid") {
    const output = invalidConfigOutput(config, ` on ${repository.defaultBranch}`);
    for (const target of job.reportTargets.filter((t) => !job.validateConfigAt.includes(t.sha))) {
      deps.background.run(createCompletedCheckRun(octokit, repo, { name: "GitLab mirror", headSha: target.sha, conclusion: "failure", output }));
    }
    log.warn({ problems: config.problems }, `invalid ${CONFIG_FILE} on the default branch`);
    return;
  }
  const pushMirrors = config.config.mirrors.filter((m) => m.direction === "push" || m.direction === "both");
  const pullMirrors = config.config.mirrors.filter((m): m is typeof m & { direction: "pull" | "both" } => m.direction === "pull" || m.direction === "both");
  if (pushMirrors.length === 0 && pullMirrors.length === 0) return;

  const token = await installationToken(octokit);
  registerSecret(token);
  // Mirrors share one cache, so they run one after another.
  for (const [i, mirror] of pushMirrors.entries()) {
    await runOneMirror({ job, deps, log, octokit, repo, repository, token, mirror, early: i === 0 ? early : undefined });
  }
  // GitLab → GitHub, after the push half so a `both` mirror converges in one job (run-pull-mirror.ts).
  for (const mirror of pullMirrors) {
    await runPullMirror({ job, deps, log, octokit, repo, repository, token, mirror });
  }
}

/** Into the index (so GitLab pushes find this repository on every replica); a project it stopped pulling from may lose its hook. */
async function recordConfig(job: MirrorJob, deps: WorkerDeps, log: Logger, mirrors: MirrorConfig[]): Promise<void> {
  if (!deps.index) return;
  try {
    const change = await deps.index.set({ installationId: job.installationId, owner: job.owner, repo: job.repo, mirrors });
    if (deps.links && change.linked.length + change.unlinked.length > 0) deps.background.run(deps.links.recorded(change).catch((error) => log.warn({ err: error, change }, "could not check the GitLab hooks of a changed config")));
  } catch (error) {
    // The job goes on: it has its config; only routing of GitLab pushes waits for the next read.
    log.warn({ err: error }, "could not record the config in the mirror index");
  }
}

interface MirrorContext {
  job: MirrorJob;
  deps: WorkerDeps;
  log: Logger;
  octokit: GitHubClient;
  repo: RepoRef;
  repository: RepositorySnapshot;
  token: string;
  mirror: MirrorConfig;
  /** Git work started at the beginning of the job, for the first attempt of the first mirror. */
  early?: EarlyGitWork;
}

async function runOneMirror(ctx: MirrorContext): Promise<void> {
  const { job, deps, log, octokit, repo, repository, token, mirror } = ctx;
  const started = Date.now();
  const projectPath = String(mirror.gitlab);
  const includeRef = createRefFilter(mirror);
  const name = checkRunName(projectPath);
  // Our own pull pushed this commit to GitHub and already reported on it (bounces.ts).
  const targets = job.reportTargets.filter((t) => includeRef(t.ref) && !isOwnBounce(deps.twoWay, "github", job, mirror, t));

  // Shown in progress only if the mirror is still running after a moment (deferred-check-run.ts).
  const checkRuns = targets.map((t) => deferCheckRun(ctx, name, t.sha, projectPath));

  let webUrl: string | undefined;
  let hook: HookOutcome | undefined;
  const outcome = await withRetry(
    async (attempt) => {
      const project = await resolveProject(deps.gitlab, mirror, repository, log);
      webUrl = project.webUrl;
      const prepared = await prepareMirror(deps, "push", job, mirror, project, repository); // policy, hook, safety inputs
      hook = prepared.hook;
      return deps.mirrorRefs({
        cacheDir: cacheDirFor(deps.env, job),
        source: { url: repository.cloneUrl, username: "x-access-token", password: token },
        target: { url: project.httpUrlToRepo, ...gitlabCredentials(deps.env) },
        includeRef,
        force: mirror.force,
        prune: mirror.prune,
        timeoutMs: deps.env.gitTimeoutMs,
        prefetched: attempt === 1 ? ctx.early?.fetched : undefined,
        prelisted: attempt === 1 ? ctx.early?.listed : undefined,
        // Force pushes and deletions GitLab's protected branches would refuse are skipped and reported.
        screenChanges: (changes) => screenProtectedBranches(deps.gitlab, project.id, changes, log),
        ...prepared.request,
      });
    },
    {
      attempts: deps.env.retryAttempts,
      baseMs: deps.env.retryBaseMs,
      sleep: deps.sleep,
      onRetry: (error, attempt, waitMs) => {
        deps.gitlab.forgetProject?.(mirror.gitlab);
        deps.metrics?.retried({ reason: error.code });
        log.warn({ code: error.code, attempt, waitMs }, `retrying mirror to ${projectPath}: ${error.userMessage}`);
      },
    },
  );
  if (outcome.ok) recordOwnPushes(deps.twoWay, "gitlab", job, mirror, outcome.value.changes);
  const durationMs = Date.now() - started;
  const rendered = withHookProblem(
    renderMirrorReport({
      projectPath,
      repoFullName: `${job.owner}/${job.repo}`,
      projectWebUrl: webUrl,
      durationMs,
      attempts: outcome.attempts,
      ...(outcome.ok ? { result: outcome.value } : { error: outcome.error }),
    }),
    hook,
  );
  const previous = deps.followUp ? await deps.status?.get?.({ owner: job.owner, repo: job.repo, target: projectPath }).catch(() => undefined) : undefined;
  const finished = { job, octokit, repo, defaultBranch: repository.defaultBranch, mirror, result: outcome.ok ? outcome.value : null, previous, cacheDir: cacheDirFor(deps.env, job) };
  const report = (await deps.followUp?.amend({ ...finished, report: rendered })) ?? rendered;

  deps.background.run(
    publishReport(ctx, report, checkRuns).then(() => deps.followUp?.after({ ...finished, report, reportedShas: targets.map((t) => t.sha) })),
  );
  deps.background.run(recordStatus(ctx, { report, outcome, durationMs, webUrl }));
  logOutcome(log, mirror, projectPath, report, outcome, durationMs);
}

type MirrorCheckRun = DeferredCheckRun<RenderedReport>;

function deferCheckRun({ job, log, octokit, repo }: MirrorContext, name: string, headSha: string, projectPath: string): MirrorCheckRun {
  const externalId = job.deliveryIds.at(-1);
  const warn = (what: string) => (error: unknown) => {
    log.warn({ err: error, sha: headSha }, `could not ${what} check run`);
    return null;
  };
  return new DeferredCheckRun<RenderedReport>({
    start: () => startCheckRun(octokit, repo, { name, headSha, title: `Mirroring to ${projectPath}…`, externalId }).catch(warn("create")),
    complete: (id, report) => completeCheckRun(octokit, repo, id, { ...report, actions: [SYNC_NOW_ACTION] }).catch(warn("complete")).then(() => undefined),
    createCompleted: (report, startedAt) =>
      createCompletedCheckRun(octokit, repo, { name, headSha, ...report, actions: [SYNC_NOW_ACTION], externalId, startedAt })
        .catch(warn("create"))
        .then(() => undefined),
  });
}

/** Completes the check runs; a failed deletion-only sync has no commit of its own, so it reports on the default branch. */
async function publishReport({ job, octokit, repo, repository }: MirrorContext, report: RenderedReport, checkRuns: MirrorCheckRun[]) {
  await Promise.all(checkRuns.map((run) => run.finish(report)));
  // Syncs that report on what they changed (reconciliation) place their failures themselves.
  // A GitLab push's job reports on GitLab (run-pull-mirror.ts), not on GitHub's default branch.
  if (job.reportTargets.length === 0 && report.conclusion === "failure" && !job.reportChanges && !job.gitlabTargets?.length) {
    const head = await defaultBranchHead(octokit, repo, repository.defaultBranch).catch(() => null);
    if (head) await createCompletedCheckRun(octokit, repo, { name: checkRunName(report.projectPath), headSha: head, ...report }).catch(() => undefined);
  }
}

async function recordStatus(
  { job, deps, log, repository, mirror }: MirrorContext,
  { report, outcome, durationMs, webUrl }: { report: RenderedReport; outcome: RetryOutcome<MirrorResult>; durationMs: number; webUrl?: string },
) {
  const failed = report.conclusion !== "success";
  deps.metrics?.jobFinished({ direction: mirror.direction, result: failed ? "failure" : "success" }, durationMs);
  if (!deps.status) return;
  const target = report.projectPath;
  const previous = await deps.status.get?.({ owner: job.owner, repo: job.repo, target }).catch(() => undefined);
  await deps.status
    .record({
      installationId: job.installationId,
      owner: job.owner,
      repo: job.repo,
      private: repository.private,
      direction: mirror.direction,
      target,
      ...(webUrl ? { targetUrl: webUrl } : {}),
      lastSyncAt: new Date().toISOString(),
      lastResult: failed ? "failure" : "success",
      lastTitle: report.output.title,
      ...(failed ? { lastError: outcome.ok ? report.output.title : outcome.error.userMessage } : {}),
      lagRefs: outcome.ok ? outcome.value.refusals.length : (previous?.lagRefs ?? 0),
      durationMs,
      consecutiveFailures: failed ? (previous?.consecutiveFailures ?? 0) + 1 : 0,
    })
    .catch((error) => log.warn({ err: error }, "could not record mirror status"));
}

/** One structured line per mirror outcome. */
function logOutcome(log: Logger, mirror: MirrorConfig, target: string, report: RenderedReport, outcome: RetryOutcome<MirrorResult>, durationMs: number) {
  const line = {
    direction: mirror.direction === "both" ? "push" : mirror.direction,
    target,
    durationMs,
    attempts: outcome.attempts,
    conclusion: report.conclusion,
    changes: outcome.ok ? outcome.value.changes.map((c) => `${c.action} ${c.ref}`) : [],
    refused: outcome.ok ? outcome.value.refusals.map((r) => `${r.reason} ${r.ref}`) : [],
    code: outcome.ok ? undefined : outcome.error.code,
  };
  if (report.conclusion === "success") log.info(line, `mirrored to ${target}: ${report.output.title}`);
  else log.warn(line, `mirror to ${target} failed: ${report.output.title}`);
}
