/**
 * One job: config → each mirror's halves, GitHub → GitLab then GitLab → GitHub, through the one
 * runHalf (run-half.ts). Never throws: every failure ends as a completed check run and a log line. GitHub writes that follow the git work run in the
 * background (see background.ts) so the repository is free for its next job at once.
 */
import type { Logger } from "pino";
import type { MirrorConfig } from "../config/schema.js";
import { toMirrorError } from "../errors.js";
import { createCompletedCheckRun } from "../github/check-runs.js";
import { getRepository, installationToken } from "../github/repository.js";
import { renewInstallationToken } from "../github/token-renewal.js";
import type { GitHubClient, RepoRef } from "../github/types.js";
import { invalidConfigOutput, loadConfig, reportConfigValidation, CONFIG_FILE } from "./config-check.js";
import { cacheDirFor, type WorkerDeps } from "./deps.js";
import type { FetchedSource } from "../mirror/types.js";
import { configCommitsOf, repositoryOf, reportTargetsOf, triggerOf, type MirrorJob } from "./mirror-job.js";
import { runHalf, type EarlyGitWork } from "./run-half.js";
import { PUSH_HALF } from "./push-half.js";
import { PULL_HALF } from "./pull-half.js";

export async function runMirrorJob(job: MirrorJob, deps: WorkerDeps): Promise<void> {
  const log = deps.log.child({ repo: `${job.owner}/${job.repo}`, deliveries: job.deliveryIds, trigger: triggerOf(job) });
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
  const snapshot = repositoryOf(job);
  const early = snapshot && deps.prefetchSource ? prefetch(job, deps, octokit, snapshot.cloneUrl, log) : undefined;
  const prefetched = early?.fetched;
  // Its failure is the first push half's to report (it fetches again and says why); logged here
  // for the jobs no push half waits for (pull-only mirrors, a missing or invalid config).
  prefetched?.catch((error) => log.debug({ err: error }, "early fetch from GitHub failed; a push half fetches again and reports it"));
  try {
    // The rest of the job (config and project, from their caches on a warm repository) runs once
    // the fetch's process is started, not in the event-loop turns before it (measured: the fetch
    // started 10-20 ms later behind them).
    await early?.started;
    await runMirrors(job, deps, log, octokit, early && { fetched: early.fetched, token: early.token });
  } finally {
    // No git process may outlive its job; the prefetch's failure was logged above.
    await prefetched?.catch(() => undefined);
  }
}

/**
 * The early fetch, with the cached installation token. If GitHub refuses it (revoked before its
 * hour was up), a new token is fetched with once more; `token` is the one the job goes on with.
 */
function prefetch(
  job: MirrorJob,
  deps: WorkerDeps,
  octokit: GitHubClient,
  cloneUrl: string,
  log: Logger,
): { fetched: Promise<FetchedSource | undefined>; token: Promise<string>; started: Promise<void> } {
  let token = installationToken(octokit);
  let onStarted!: () => void;
  const started = new Promise<void>((resolve) => (onStarted = resolve));
  const fetchWith = async (password: string) =>
    deps.prefetchSource!({ cacheDir: cacheDirFor(deps.env, job), source: { url: cloneUrl, username: "x-access-token", password }, timeoutMs: deps.env.gitTimeoutMs, onStarted });
  const fetched = token.then(fetchWith).catch(async (error: unknown) => {
    if (toMirrorError(error).code !== "auth_failed") throw error;
    log.info("GitHub refused the installation token for git: renewing it");
    token = renewInstallationToken(octokit);
    return fetchWith(await token);
  });
  // Nothing to fetch into, or it failed before git started: the fetch is not running, so nothing waits for it.
  fetched.then(onStarted, onStarted);
  return {
    fetched,
    started,
    token: fetched.then(
      () => token,
      () => token,
    ),
  };
}

async function runMirrors(job: MirrorJob, deps: WorkerDeps, log: Logger, octokit: GitHubClient, early: EarlyGitWork | undefined): Promise<void> {
  const repo: RepoRef = { owner: job.owner, repo: job.repo };
  const allowedUrl = deps.env.gitlabUrl;

  const configCommits = configCommitsOf(job);
  for (const sha of configCommits) {
    const planDeps = { env: deps.env, gitlab: deps.gitlab, agreed: deps.agreed, policy: deps.twoWay.policy, log };
    deps.background.run(reportConfigValidation(octokit, repo, sha, planDeps), { what: `validate ${CONFIG_FILE} on ${sha.slice(0, 7)}`, log });
  }
  // Config comes from the default branch only: a push cannot redirect mirroring until merged.
  const [repository, config] = await Promise.all([
    repositoryOf(job) ?? getRepository(octokit, repo),
    loadConfig(octokit, repo, undefined, allowedUrl, deps.configs.reader(octokit, job.installationId, { job: true })),
  ]);

  await recordConfig(job, deps, log, config.kind === "valid" ? config.config.mirrors : []);
  if (config.kind === "absent") {
    log.debug(`no ${CONFIG_FILE} on the default branch: nothing to do`);
    return;
  }
  if (config.kind === "invalid") {
    const output = invalidConfigOutput(config, ` on ${repository.defaultBranch}`);
    for (const target of reportTargetsOf(job).filter((t) => !configCommits.includes(t.sha))) {
      deps.background.run(createCompletedCheckRun(octokit, repo, { name: "GitLab mirror", headSha: target.sha, conclusion: "failure", output }), {
        what: `report the invalid ${CONFIG_FILE} on ${target.sha.slice(0, 7)}`,
        log,
      });
    }
    log.warn({ problems: config.problems }, `invalid ${CONFIG_FILE} on the default branch`);
    return;
  }
  const pushMirrors = config.config.mirrors.filter((m) => m.direction === "push" || m.direction === "both");
  const pullMirrors = config.config.mirrors.filter((m): m is typeof m & { direction: "pull" | "both" } => m.direction === "pull" || m.direction === "both");
  if (pushMirrors.length === 0 && pullMirrors.length === 0) return;

  const token = await installationToken(octokit);
  // Mirrors share one cache, so they run one after another; both directions through runHalf.
  const context = { job, deps, log, octokit, repo, repository, token };
  for (const [i, mirror] of pushMirrors.entries()) {
    await runHalf({ ...context, mirror, early: i === 0 ? early : undefined }, PUSH_HALF);
  }
  // GitLab → GitHub, after the push half so a `both` mirror converges in one job.
  for (const mirror of pullMirrors) {
    await runHalf({ ...context, mirror }, PULL_HALF);
  }
}

/** Into the index (so GitLab pushes find this repository on every replica); a project it stopped pulling from may lose its hook. */
async function recordConfig(job: MirrorJob, deps: WorkerDeps, log: Logger, mirrors: MirrorConfig[]): Promise<void> {
  if (!deps.index) return;
  try {
    const change = await deps.index.set({ installationId: job.installationId, owner: job.owner, repo: job.repo, mirrors });
    if (deps.links && change.linked.length + change.unlinked.length > 0)
      deps.background.run(deps.links.recorded(change), { what: "check the GitLab hooks of a changed config", log });
  } catch (error) {
    // The job goes on: it has its config; only routing of GitLab pushes waits for the next read.
    log.warn({ err: error }, "could not record the config in the mirror index");
  }
}
