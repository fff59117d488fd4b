/**
 * One job: config → for each push mirror: check runs started → GitLab project → mirror refs
 * (retried on transient failures) → check runs completed. Never throws: every failure ends as
 * a completed check run and a log line.
 */
import path from "node:path";
import type { Logger } from "pino";
import type { MirrorConfig } from "../config/schema.js";
import { createRefFilter } from "../config/match-refs.js";
import { toMirrorError } from "../errors.js";
import type { AppEnv } from "../env.js";
import { completeCheckRun, createCompletedCheckRun, startCheckRun } from "../github/check-runs.js";
import { getRepository, installationToken } from "../github/repository.js";
import type { GitHubClient, RepoRef } from "../github/types.js";
import type { GitLabClient } from "../gitlab/client.js";
import type { MirrorRequest, MirrorResult } from "../mirror/types.js";
import { checkRunName, renderMirrorReport } from "../report/render-mirror-report.js";
import { withRetry } from "../retry.js";
import { registerSecret } from "../secrets.js";
import { invalidConfigOutput, loadConfig, reportConfigValidation, CONFIG_FILE } from "./config-check.js";
import type { MirrorJob, ReportTarget, RepositorySnapshot } from "./mirror-job.js";

export interface WorkerDeps {
  env: AppEnv;
  log: Logger;
  getOctokit(installationId: number): Promise<GitHubClient>;
  gitlab: GitLabClient;
  mirrorRefs(request: MirrorRequest): Promise<MirrorResult>;
  sleep?: (ms: number) => Promise<void>;
}

export function cacheDirFor(env: AppEnv, job: Pick<MirrorJob, "owner" | "repo">): string {
  const safe = (s: string) => s.toLowerCase().replace(/[^a-z0-9._-]/g, "_");
  return path.join(env.cacheDir, safe(job.owner), `${safe(job.repo)}.git`);
}

export async function runMirrorJob(job: MirrorJob, deps: WorkerDeps): Promise<void> {
  const log = deps.log.child({ repo: `${job.owner}/${job.repo}`, deliveries: job.deliveryIds });
  try {
    await runJob(job, deps, log);
  } catch (error) {
    // Only GitHub API failures (after Octokit's own retries) land here: nothing to report on.
    const mirrorError = toMirrorError(error);
    log.error({ code: mirrorError.code, err: error }, `mirror job failed: ${mirrorError.userMessage}`);
  }
}

async function runJob(job: MirrorJob, deps: WorkerDeps, log: Logger): Promise<void> {
  const octokit = await deps.getOctokit(job.installationId);
  const repo: RepoRef = { owner: job.owner, repo: job.repo };
  const allowedUrl = deps.env.gitlabUrl;

  // Config comes from the default branch only: a push cannot redirect mirroring until merged.
  const [repository, config] = await Promise.all([
    job.repository ? Promise.resolve(job.repository) : getRepository(octokit, repo),
    loadConfig(octokit, repo, undefined, allowedUrl),
  ]);
  await Promise.all(job.validateConfigAt.map((sha) => reportConfigValidation(octokit, repo, sha, allowedUrl)));

  if (config.kind === "absent") {
    log.debug(`no ${CONFIG_FILE} on ${repository.defaultBranch}: nothing to do`);
    return;
  }
  if (config.kind === "invalid") {
    const output = invalidConfigOutput(config, ` on ${repository.defaultBranch}`);
    await Promise.all(
      job.reportTargets.filter((t) => !job.validateConfigAt.includes(t.sha)).map((t) =>
        createCompletedCheckRun(octokit, repo, { name: "GitLab mirror", headSha: t.sha, conclusion: "failure", output }),
      ),
    );
    log.warn({ problems: config.problems }, `invalid ${CONFIG_FILE} on the default branch`);
    return;
  }
  const pushMirrors = config.config.mirrors.filter((m) => m.direction === "push" || m.direction === "both");
  if (pushMirrors.length === 0) return;

  const token = await installationToken(octokit);
  registerSecret(token);
  // Mirrors share one cache, so they run one after another.
  for (const mirror of pushMirrors) {
    await runOneMirror({ job, deps, log, octokit, repo, repository, token, mirror });
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
}

async function runOneMirror({ job, deps, log, octokit, repo, repository, token, mirror }: MirrorContext): Promise<void> {
  const started = Date.now();
  const projectPath = String(mirror.gitlab);
  const includeRef = createRefFilter(mirror);
  const name = checkRunName(projectPath);
  const targets = job.reportTargets.filter((t) => includeRef(t.ref));

  // Check runs are created while git works; they are not on the latency path.
  const checkRunIds = Promise.all(
    targets.map((t: ReportTarget) =>
      startCheckRun(octokit, repo, { name, headSha: t.sha, title: `Mirroring to ${projectPath}…`, externalId: job.deliveryIds.at(-1) }).catch(
        (error) => {
          log.warn({ err: error, sha: t.sha }, "could not create check run");
          return null;
        },
      ),
    ),
  );

  let webUrl: string | undefined;
  const outcome = await withRetry(
    async () => {
      const project = await deps.gitlab.showProject(mirror.gitlab);
      webUrl = project.webUrl;
      return deps.mirrorRefs({
        cacheDir: cacheDirFor(deps.env, job),
        source: { url: repository.cloneUrl, username: "x-access-token", password: token },
        target: { url: project.httpUrlToRepo, username: "oauth2", password: deps.env.gitlabToken ?? "" },
        includeRef,
        force: mirror.force,
        prune: mirror.prune,
        timeoutMs: deps.env.gitTimeoutMs,
      });
    },
    {
      attempts: deps.env.retryAttempts,
      baseMs: deps.env.retryBaseMs,
      sleep: deps.sleep,
      onRetry: (error, attempt, waitMs) => log.warn({ code: error.code, attempt, waitMs }, `retrying mirror to ${projectPath}: ${error.userMessage}`),
    },
  );
  const durationMs = Date.now() - started;
  const report = renderMirrorReport({
    projectPath,
    projectWebUrl: webUrl,
    durationMs,
    attempts: outcome.attempts,
    ...(outcome.ok ? { result: outcome.value } : { error: outcome.error }),
  });

  const ids = await checkRunIds;
  await Promise.all(
    ids.map((id) =>
      id === null ? null : completeCheckRun(octokit, repo, id, report).catch((error) => log.warn({ err: error, id }, "could not complete check run")),
    ),
  );

  const summary = {
    direction: "push",
    target: projectPath,
    durationMs,
    attempts: outcome.attempts,
    conclusion: report.conclusion,
    changes: outcome.ok ? outcome.value.changes.map((c) => `${c.action} ${c.ref}`) : [],
    refused: outcome.ok ? outcome.value.refusals.map((r) => `${r.reason} ${r.ref}`) : [],
    code: outcome.ok ? undefined : outcome.error.code,
  };
  if (report.conclusion === "success") log.info(summary, `mirrored to ${projectPath}: ${report.output.title}`);
  else log.warn(summary, `mirror to ${projectPath} failed: ${report.output.title}`);
}
