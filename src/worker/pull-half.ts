/**
 * The GitLab → GitHub half of a mirror (`direction: pull`, and the second half of `both`),
 * as a HalfDirection for runHalf (run-half.ts): the same engine with the sides swapped (GitLab
 * fetched into its own cache, GitHub pushed to with the installation token), the same safety rules, retried on transient failures. Reports go to
 * both sides: a `github-mirror` status on each pushed GitLab commit and, once the commit is on
 * GitHub, the "GitLab mirror (…)" check run on it. Our own pushes coming back are not reported.
 */
import { createRefFilter } from "../config/match-refs.js";
import { canWriteWorkflows, screenWorkflowsPermission, type AppPermissions } from "../diagnostics/workflows-permission.js";
import { createCompletedCheckRun } from "../github/check-runs.js";
import { currentInstallationPermissions, defaultBranchHead, installationAuth, newInstallationToken } from "../github/repository.js";
import { checkRunName } from "../report/render-mirror-report.js";
import type { RenderedReport } from "../report/rendered-report.js";
import { GITLAB_STATUS_NAME, renderGitLabStatus, renderPullReport, type PullReportInput } from "../report/render-pull-report.js";
import type { HalfContext, HalfDirection, HalfOutcome } from "./run-half.js";
import { gitlabTargetsOf, reportTargetsOf } from "./mirror-job.js";
import { cacheDirFor, gitlabCredentials, lfsOptions } from "./deps.js";
import { isOwnBounce, pullCacheDir } from "./two-way.js";

export const PULL_HALF: HalfDirection<undefined> = {
  name: "pull",
  begin: () => undefined,
  project: ({ deps, mirror }) => deps.gitlab.showProject(mirror.gitlab),

  async request(ctx, project) {
    const { job, deps, log, mirror, repository } = ctx;
    const push = await pushAuth(ctx);
    return {
      cacheDir: pullCacheDir(deps.env, job, project.id),
      source: { url: project.httpUrlToRepo, ...gitlabCredentials(deps.env) },
      target: { url: repository.cloneUrl, username: "x-access-token", password: push.token },
      // Workflow changes GitHub would refuse without the `workflows` permission are skipped and reported.
      screenChanges: (changes, cache) => screenWorkflowsPermission(changes, cache, async () => push.permissions, log),
      includeRef: createRefFilter(mirror),
      // In `both`, `force: true` means GitHub wins: the push half overwrites, this half never does.
      force: mirror.direction === "pull" && mirror.force,
      prune: mirror.prune,
      timeoutMs: deps.env.gitTimeoutMs,
      sides: { source: "GitLab", target: "GitHub" },
      listInSync: true,
      lfs: lfsOptions(deps.env, mirror),
    };
  },

  render: (ctx, done) => renderPullReport(pullReportInput(ctx, done)),

  publish: (ctx, report, done) => publishPullReports(ctx, report, done),

  cacheDir: ({ deps, job }, project) => (project ? pullCacheDir(deps.env, job, project.id) : cacheDirFor(deps.env, job)),
};

function pullReportInput({ mirror, repository }: HalfContext, { project, outcome, durationMs }: HalfOutcome): PullReportInput {
  return {
    projectPath: project?.pathWithNamespace ?? String(mirror.gitlab),
    projectWebUrl: project?.webUrl,
    repoHtmlUrl: repository.htmlUrl,
    direction: mirror.direction === "both" ? "both" : "pull",
    durationMs,
    attempts: outcome.attempts,
    ...(outcome.ok ? { result: outcome.value } : { error: outcome.error }),
  };
}

/**
 * The token to push with and the permissions it carries. The cached token keeps the permissions
 * it was issued with for its hour; when it lacks `workflows`, the installation is asked what it
 * has now, and if an org owner granted `workflows` since, a new token is used. Unknown: null.
 */
async function pushAuth(ctx: HalfContext): Promise<{ token: string; permissions: AppPermissions | null }> {
  const { octokit, job } = ctx;
  try {
    let auth = await installationAuth(octokit);
    if (canWriteWorkflows(auth.permissions) === false) {
      const now = await currentInstallationPermissions(octokit, job.installationId);
      if (canWriteWorkflows(now)) auth = await newInstallationToken(octokit, job.installationId);
      else auth = { token: auth.token, permissions: now };
    }
    return { token: auth.token, permissions: auth.permissions ?? null };
  } catch (error) {
    ctx.log.debug({ err: error }, "could not read the app's permissions: GitHub will say if it refuses a workflow change");
    return { token: ctx.token, permissions: null };
  }
}

/** Resolves to the GitHub commits that got a check run. */
async function publishPullReports(ctx: HalfContext, report: RenderedReport, done: HalfOutcome): Promise<string[]> {
  const { job, deps, log, octokit, repo, mirror } = ctx;
  const { project, outcome } = done;
  const input = pullReportInput(ctx, done);
  const includeRef = createRefFilter(mirror);
  const name = checkRunName(String(mirror.gitlab));
  const checkRun = (sha: string) =>
    createCompletedCheckRun(octokit, repo, { name, headSha: sha, ...report }).catch((error) => log.warn({ err: error, sha }, "could not create check run"));
  const reported = new Set<string>();

  // GitLab commits that were pushed: a status on GitLab, and a check run once the commit is on GitHub.
  const gitlabTargets = gitlabTargetsOf(job).filter((t) => project && t.projectId === project.id && includeRef(t.ref));
  for (const target of gitlabTargets) {
    if (isOwnBounce(deps.twoWay, "gitlab", job, mirror, target)) continue; // our push to GitLab, coming back
    const status = renderGitLabStatus(input, target);
    if (!status || !project) continue;
    await deps.gitlab
      .setCommitStatus(project.id, target.sha, { name: GITLAB_STATUS_NAME, ref: target.ref.replace(/^refs\/(heads|tags)\//, ""), ...status })
      .catch((error) => log.warn({ err: error, sha: target.sha }, "could not set the GitLab commit status"));
    if (status.state === "success" && !reported.has(target.sha)) {
      reported.add(target.sha);
      await checkRun(target.sha);
    }
  }

  // GitHub commits that were pushed: the push half reports on them in `both`; a pull mirror only
  // says so when something is wrong (a commit made on GitHub blocks the mirror, or no webhook).
  const problem = report.conclusion === "failure" || (done.hook !== undefined && !done.hook.ok);
  for (const target of reportTargetsOf(job).filter((t) => includeRef(t.ref))) {
    if (isOwnBounce(deps.twoWay, "github", job, mirror, target)) continue; // our push to GitHub, coming back
    if (mirror.direction === "pull" && problem && !reported.has(target.sha)) {
      reported.add(target.sha);
      await checkRun(target.sha);
    }
  }

  // A workflow change left out has no commit on GitHub to report on: the default branch gets it.
  if (outcome.ok && (outcome.value.blocked?.length ?? 0) > 0 && reported.size === 0) {
    const head = await defaultBranchHead(octokit, repo, ctx.repository.defaultBranch).catch((error) => {
      log.warn({ err: error }, "could not read the default branch to report the held-back workflow change on");
      return null;
    });
    if (head) {
      reported.add(head);
      await checkRun(head);
    }
  }

  return [...reported];
}
