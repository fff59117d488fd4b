/**
 * GitHub → GitLab (`direction: push`, and the first half of `both`): GitHub fetched into the
 * repository's cache (started early by the job, see run-mirror-job.ts), GitLab pushed to with
 * the app's GitLab token. The pushed GitHub commits get the "GitLab mirror (…)" check run, shown
 * in progress only if the mirror takes a moment (deferred-check-run.ts).
 */
import { createRefFilter } from "../config/match-refs.js";
import { screenProtectedBranches } from "../diagnostics/protected-branches.js";
import { completeCheckRun, createCompletedCheckRun, startCheckRun, updateCheckRunOutput } from "../github/check-runs.js";
import { defaultBranchHead, installationToken } from "../github/repository.js";
import { describeProgress } from "../mirror/git-progress.js";
import { checkRunName, renderMirrorReport } from "../report/render-mirror-report.js";
import type { RenderedReport } from "../report/rendered-report.js";
import { resolveProject } from "../sync/ensure-project.js";
import { SYNC_NOW_ACTION } from "../sync/follow-up.js";
import { DeferredCheckRun } from "./deferred-check-run.js";
import { gitlabTargetsOf, onlyGitHubPushes, reportsChanges, reportTargetsOf, type ReportTarget } from "./mirror-job.js";
import type { HalfContext, HalfDirection } from "./run-half.js";
import { cacheDirFor, gitlabCredentials, lfsOptions } from "./deps.js";
import { lfsProgressOnCheckRuns } from "./lfs-progress.js";
import { isOwnBounce } from "./two-way.js";

interface Begun {
  targets: ReportTarget[];
  checkRuns: DeferredCheckRun<RenderedReport>[];
}

export const PUSH_HALF: HalfDirection<Begun> = {
  name: "push",

  begin(ctx) {
    const { job, deps, mirror } = ctx;
    const includeRef = createRefFilter(mirror);
    // Our own pull pushed this commit to GitHub and already reported on it (bounces.ts).
    const targets = reportTargetsOf(job).filter((t) => includeRef(t.ref) && !isOwnBounce(deps.twoWay, "github", job, mirror, t));
    return { targets, checkRuns: targets.map((t) => deferCheckRun(ctx, t.sha)) };
  },

  project: ({ deps, mirror, repository, log }) => resolveProject(deps.gitlab, mirror, repository, log),

  async request({ job, deps, log, octokit, repository, mirror, early }, project, attempt, { checkRuns }) {
    return {
      cacheDir: cacheDirFor(deps.env, job),
      // The engine waits for the early fetch anyway: git goes on with the token it ended with (renewed
      // if GitHub refused the cached one); a retry takes the cached token (auth-app's, no request).
      source: { url: repository.cloneUrl, username: "x-access-token", password: attempt === 1 && early ? await early.token : await installationToken(octokit) },
      target: { url: project.httpUrlToRepo, ...gitlabCredentials(deps.env) },
      includeRef: createRefFilter(mirror),
      force: mirror.force,
      prune: mirror.prune,
      timeoutMs: deps.env.gitTimeoutMs,
      prefetched: attempt === 1 ? early?.fetched : undefined,
      // A job of GitHub pushes plans from GitLab's refs as the last sync left them (leases guard
      // the push). A retry, reconciliation, a re-run or a GitLab push among the events lists them,
      // and so does a two-way mirror, whose GitLab side changes by design.
      targetMemory: attempt === 1 && early !== undefined && mirror.direction === "push" && onlyGitHubPushes(job) ? "use" : "keep",
      // Force pushes and deletions GitLab's protected branches would refuse are skipped and reported.
      screenChanges: (changes) => screenProtectedBranches(deps.gitlab, project.id, changes, log),
      // A long mirror (a first sync of a large history) says how far it is on its in-progress runs.
      onProgress: (progress) => {
        const line = describeProgress(progress, { source: "GitHub", target: "GitLab" });
        if (line) for (const run of checkRuns) run.progress(line);
      },
      lfs: { ...lfsOptions(deps.env, mirror), onProgress: lfsProgressOnCheckRuns(checkRuns, String(mirror.gitlab)) },
    };
  },

  render({ job, mirror }, { project, outcome, durationMs }) {
    return renderMirrorReport({
      projectPath: String(mirror.gitlab),
      repoFullName: `${job.owner}/${job.repo}`,
      projectWebUrl: project?.webUrl,
      durationMs,
      attempts: outcome.attempts,
      ...(outcome.ok ? { result: outcome.value } : { error: outcome.error }),
    });
  },

  /** Completes the check runs; a failed deletion-only sync has no commit of its own, so it reports on the default branch. */
  async publish({ job, log, octokit, repo, repository }, report, _done, { targets, checkRuns }) {
    await Promise.all(checkRuns.map((run) => run.finish(report)));
    // Syncs that report on what they changed (reconciliation) place their failures themselves.
    // A GitLab push's job reports on GitLab (pull-half.ts), not on GitHub's default branch.
    if (reportTargetsOf(job).length === 0 && report.conclusion === "failure" && !reportsChanges(job) && gitlabTargetsOf(job).length === 0) {
      const head = await defaultBranchHead(octokit, repo, repository.defaultBranch).catch((error) => {
        log.warn({ err: error }, "could not read the default branch to report the failure on");
        return null;
      });
      if (head) {
        await createCompletedCheckRun(octokit, repo, { name: checkRunName(report.projectPath), headSha: head, ...report }).catch((error) =>
          log.warn({ err: error, sha: head }, "could not create the check run on the default branch"),
        );
      }
    }
    return targets.map((t) => t.sha);
  },

  cacheDir: ({ deps, job }) => cacheDirFor(deps.env, job),
};

function deferCheckRun({ job, log, octokit, repo, mirror }: HalfContext, headSha: string): DeferredCheckRun<RenderedReport> {
  const projectPath = String(mirror.gitlab);
  const name = checkRunName(projectPath);
  const externalId = job.deliveryIds.at(-1);
  const warn = (what: string) => (error: unknown) => {
    log.warn({ err: error, sha: headSha }, `could not ${what} check run`);
    return null;
  };
  const title = `Mirroring to ${projectPath}…`;
  return new DeferredCheckRun<RenderedReport>({
    start: () => startCheckRun(octokit, repo, { name, headSha, title, externalId }).catch(warn("create")),
    progress: (id, line) =>
      updateCheckRunOutput(octokit, repo, id, { title, summary: `mirror-bot is mirroring this commit.\n\n${line}` })
        .catch(warn("update"))
        .then(() => undefined),
    complete: (id, report) =>
      completeCheckRun(octokit, repo, id, { ...report, actions: [SYNC_NOW_ACTION] })
        .catch(warn("complete"))
        .then(() => undefined),
    createCompleted: (report, startedAt) =>
      createCompletedCheckRun(octokit, repo, { name, headSha, ...report, actions: [SYNC_NOW_ACTION], externalId, startedAt })
        .catch(warn("create"))
        .then(() => undefined),
  });
}
