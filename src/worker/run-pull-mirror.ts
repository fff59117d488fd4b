/**
 * The GitLab → GitHub half of a mirror (`direction: pull`, and the second half of `both`): the
 * same engine with the sides swapped (GitLab fetched into its own cache, GitHub pushed to with
 * the installation token), the same safety rules, retried on transient failures. Reports go to
 * both sides: a `github-mirror` status on each pushed GitLab commit and, once the commit is on
 * GitHub, the "GitLab mirror (…)" check run on it. Our own pushes coming back are not reported.
 */
import type { Logger } from "pino";
import { createRefFilter } from "../config/match-refs.js";
import type { MirrorConfig } from "../config/schema.js";
import { canWriteWorkflows, screenWorkflowsPermission, type AppPermissions } from "../diagnostics/workflows-permission.js";
import { createCompletedCheckRun } from "../github/check-runs.js";
import { currentInstallationPermissions, defaultBranchHead, installationAuth, newInstallationToken } from "../github/repository.js";
import type { GitHubClient, RepoRef } from "../github/types.js";
import type { GitLabProject } from "../gitlab/client.js";
import type { HookOutcome } from "../gitlab/hooks.js";
import type { MirrorResult } from "../mirror/types.js";
import { checkRunName } from "../report/render-mirror-report.js";
import { GITLAB_STATUS_NAME, renderGitLabStatus, renderPullReport, type PullReportInput } from "../report/render-pull-report.js";
import { withRetry, type RetryOutcome } from "../retry.js";
import { registerSecret } from "../secrets.js";
import type { MirrorJob, RepositorySnapshot } from "./mirror-job.js";
import type { WorkerDeps } from "./run-mirror-job.js";
import { isOwnBounce, prepareMirror, pullCacheDir, recordOwnPushes, withHookProblem } from "./two-way.js";

export interface PullContext {
  job: MirrorJob;
  deps: WorkerDeps;
  log: Logger;
  octokit: GitHubClient;
  repo: RepoRef;
  repository: RepositorySnapshot;
  /** Installation token: pushes to GitHub need `contents: write`. */
  token: string;
  mirror: MirrorConfig & { direction: "pull" | "both" };
}

export async function runPullMirror(ctx: PullContext): Promise<void> {
  const { job, deps, log, mirror, repository } = ctx;
  const started = Date.now();
  const includeRef = createRefFilter(mirror);
  let project: GitLabProject | undefined;
  let hook: HookOutcome | undefined;

  const outcome = await withRetry(
    async () => {
      project = await deps.gitlab.showProject(mirror.gitlab);
      const prepared = await prepareMirror(deps, "pull", job, mirror, project, repository);
      hook = prepared.hook;
      const push = await pushAuth(ctx);
      return deps.mirrorRefs({
        cacheDir: pullCacheDir(deps.env, job, project.id),
        source: { url: project.httpUrlToRepo, username: "oauth2", password: deps.env.gitlabToken ?? "" },
        target: { url: repository.cloneUrl, username: "x-access-token", password: push.token },
        // Workflow changes GitHub would refuse without the `workflows` permission are skipped and reported.
        screenChanges: (changes, cache) => screenWorkflowsPermission(changes, cache, async () => push.permissions, log),
        includeRef,
        // In `both`, `force: true` means GitHub wins: the push half overwrites, this half never does.
        force: mirror.direction === "pull" && mirror.force,
        prune: mirror.prune,
        timeoutMs: deps.env.gitTimeoutMs,
        sides: { source: "GitLab", target: "GitHub" },
        listInSync: true,
        ...prepared.request,
      });
    },
    {
      attempts: deps.env.retryAttempts,
      baseMs: deps.env.retryBaseMs,
      sleep: deps.sleep,
      onRetry: (error, attempt, waitMs) => {
        deps.metrics?.retried({ reason: error.code });
        log.warn({ code: error.code, attempt, waitMs }, `retrying mirror from ${String(mirror.gitlab)}: ${error.userMessage}`);
      },
    },
  );
  if (outcome.ok) recordOwnPushes(deps.twoWay, "github", job, mirror, outcome.value.changes);
  const durationMs = Date.now() - started;
  const input: PullReportInput = {
    projectPath: project?.pathWithNamespace ?? String(mirror.gitlab),
    projectWebUrl: project?.webUrl,
    repoHtmlUrl: repository.htmlUrl,
    direction: mirror.direction,
    durationMs,
    attempts: outcome.attempts,
    ...(outcome.ok ? { result: outcome.value } : { error: outcome.error }),
  };
  const clean = outcome.ok && outcome.value.refusals.length === 0 && !outcome.value.blocked?.length;
  deps.metrics?.jobFinished({ direction: "pull", result: clean ? "success" : "failure" }, durationMs);
  logOutcome(log, input, outcome);
  deps.background.run(publishPullReports(ctx, input, project, hook, outcome));
}

/**
 * The token to push with and the permissions it carries. The cached token keeps the permissions
 * it was issued with for its hour; when it lacks `workflows`, the installation is asked what it
 * has now, and if an org owner granted `workflows` since, a new token is used. Unknown: null.
 */
async function pushAuth(ctx: PullContext): Promise<{ token: string; permissions: AppPermissions | null }> {
  const { octokit, job } = ctx;
  try {
    let auth = await installationAuth(octokit);
    if (canWriteWorkflows(auth.permissions) === false) {
      const now = await currentInstallationPermissions(octokit, job.installationId);
      if (canWriteWorkflows(now)) auth = await newInstallationToken(octokit, job.installationId);
      else auth = { token: auth.token, permissions: now };
    }
    registerSecret(auth.token);
    return { token: auth.token, permissions: auth.permissions ?? null };
  } catch (error) {
    ctx.log.debug({ err: error }, "could not read the app's permissions: GitHub will say if it refuses a workflow change");
    return { token: ctx.token, permissions: null };
  }
}

async function publishPullReports(ctx: PullContext, input: PullReportInput, project: GitLabProject | undefined, hook: HookOutcome | undefined, outcome: RetryOutcome<MirrorResult>) {
  const { job, deps, log, octokit, repo, mirror } = ctx;
  const includeRef = createRefFilter(mirror);
  const report = withHookProblem(renderPullReport(input), hook);
  const name = checkRunName(String(mirror.gitlab));
  const checkRun = (sha: string) =>
    createCompletedCheckRun(octokit, repo, { name, headSha: sha, ...report }).catch((error) => log.warn({ err: error, sha }, "could not create check run"));
  const reported = new Set<string>();

  // GitLab commits that were pushed: a status on GitLab, and a check run once the commit is on GitHub.
  const gitlabTargets = (job.gitlabTargets ?? []).filter((t) => project && t.projectId === project.id && includeRef(t.ref));
  for (const target of gitlabTargets) {
    if (isOwnBounce(deps.twoWay, "gitlab", job, mirror, target)) continue; // our push to GitLab, coming back
    const status = renderGitLabStatus(input, target);
    if (!status || !project) continue;
    await deps.gitlab
      .setCommitStatus?.(project.id, target.sha, { name: GITLAB_STATUS_NAME, ref: target.ref.replace(/^refs\/(heads|tags)\//, ""), ...status })
      .catch((error) => log.warn({ err: error, sha: target.sha }, "could not set the GitLab commit status"));
    if (status.state === "success" && !reported.has(target.sha)) {
      reported.add(target.sha);
      await checkRun(target.sha);
    }
  }

  // GitHub commits that were pushed: the push half reports on them in `both`; a pull mirror only
  // says so when something is wrong (a commit made on GitHub blocks the mirror, or no webhook).
  const problem = report.conclusion === "failure" || (hook !== undefined && !hook.ok);
  for (const target of job.reportTargets.filter((t) => includeRef(t.ref))) {
    if (isOwnBounce(deps.twoWay, "github", job, mirror, target)) continue; // our push to GitHub, coming back
    if (mirror.direction === "pull" && problem && !reported.has(target.sha)) {
      reported.add(target.sha);
      await checkRun(target.sha);
    }
  }

  // A workflow change left out has no commit on GitHub to report on: the default branch gets it.
  if (outcome.ok && (outcome.value.blocked?.length ?? 0) > 0 && reported.size === 0) {
    const head = await defaultBranchHead(octokit, repo, ctx.repository.defaultBranch).catch(() => null);
    if (head) {
      reported.add(head);
      await checkRun(head);
    }
  }

  // Jobs without pushed commits (reconciliation, "Sync now"): report on what changed.
  if (job.reportChanges && outcome.ok) {
    for (const change of outcome.value.changes) {
      if (change.newSha && !reported.has(change.newSha)) {
        reported.add(change.newSha);
        await checkRun(change.newSha);
      }
    }
  }
}

function logOutcome(log: Logger, input: PullReportInput, outcome: RetryOutcome<MirrorResult>) {
  const report = renderPullReport(input);
  const line = {
    direction: "pull",
    source: input.projectPath,
    durationMs: input.durationMs,
    attempts: outcome.attempts,
    conclusion: report.conclusion,
    changes: outcome.ok ? outcome.value.changes.map((c) => `${c.action} ${c.ref}`) : [],
    refused: outcome.ok ? [...outcome.value.refusals.map((r) => `${r.reason} ${r.ref}`), ...(outcome.value.blocked ?? []).map((b) => `${b.rule} ${b.ref}`)] : [],
    deferred: outcome.ok ? (outcome.value.deferred ?? []) : [],
    code: outcome.ok ? undefined : outcome.error.code,
  };
  if (report.conclusion === "success") log.info(line, `mirrored from ${input.projectPath}: ${report.output.title}`);
  else log.warn(line, `mirror from ${input.projectPath} failed: ${report.output.title}`);
}
