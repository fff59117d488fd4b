/**
 * What happens after each mirror run besides its own check runs: when a failing mirror will be
 * tried again (said in the check run), check runs on what a sync without a pushed commit changed,
 * and the failure issue. The worker calls this through WorkerDeps.followUp; it holds no state.
 */
import type { Logger } from "pino";
import type { MirrorConfig } from "../config/schema.js";
import { diagnoseGitLabToken, renderDiagnostics, type Diagnostic } from "../diagnostics/gitlab-token.js";
import type { CheckRunAction } from "../github/check-runs.js";
import type { GitLabClient } from "../gitlab/client.js";
import type { GitHubClient, RepoRef } from "../github/types.js";
import { commitsOfRefs } from "../mirror/compare-refs.js";
import type { MirrorResult } from "../mirror/types.js";
import { applyNotification, notificationStep } from "../notify/failure-issue.js";
import type { RenderedReport } from "../report/rendered-report.js";
import type { MirrorStatusRecord } from "../status/types.js";
import { reportsChanges, type MirrorJob } from "../worker/mirror-job.js";
import { reportChanges } from "./report-changes.js";
import { describeDelay } from "./schedule.js";

/** GitHub's limits: label ≤ 20, description ≤ 40, identifier ≤ 20 characters. */
export const SYNC_NOW_ACTION: CheckRunAction = {
  label: "Sync now",
  identifier: "sync_now",
  description: "Compare both sides and fix any drift",
};

export interface FinishedMirror {
  job: MirrorJob;
  octokit: GitHubClient;
  repo: RepoRef;
  defaultBranch: string;
  mirror: MirrorConfig;
  /** The mirror half's name on the status page, in retry notes and failure issues (run-half.ts halfTarget). */
  target: string;
  report: RenderedReport;
  result: MirrorResult | null;
  /** This mirror's status before the run (undefined: never recorded since the app started). */
  previous?: MirrorStatusRecord;
  cacheDir: string;
  /** Commits whose check runs this job already created. */
  reportedShas: string[];
}

export interface MirrorFollowUp {
  /** Before the report is published: failures say when the next attempt is; pre-flight findings. */
  amend(info: Omit<FinishedMirror, "reportedShas">): Promise<RenderedReport>;
  /** In the background, once the run is reported. */
  after(info: FinishedMirror): Promise<void>;
}

export interface FollowUpDeps {
  log: Logger;
  scheduler?: { noteResult(owner: string, repo: string, target: string, failures: number): number | null; intervalMs: number };
  gitTimeoutMs: number;
  /** For the token pre-flight (its answer is cached by the client). */
  gitlab?: Pick<GitLabClient, "tokenInfo">;
  now?: () => number;
}

const failuresAfter = (info: Pick<FinishedMirror, "report" | "previous">) => (info.report.conclusion === "success" ? 0 : (info.previous?.consecutiveFailures ?? 0) + 1);

export function createFollowUp(deps: FollowUpDeps): MirrorFollowUp {
  const retryTimes = new WeakMap<RenderedReport, number | null>();
  return {
    async amend(info) {
      const now = (deps.now ?? Date.now)();
      const failures = failuresAfter(info);
      const at = deps.scheduler?.noteResult(info.job.owner, info.job.repo, info.target, failures) ?? null;
      let report = at === null ? info.report : withRetryNote(info.report, at, failures, now);
      const tokenInfo = await deps.gitlab?.tokenInfo?.().catch((error) => {
        // The report goes out without the token's diagnostics (expiry, scopes); the sync itself is unaffected.
        deps.log.warn({ err: error, repo: `${info.job.owner}/${info.job.repo}`, target: info.target }, "could not read the GitLab token's details for the check run");
        return undefined;
      });
      if (tokenInfo) report = withDiagnostics(report, diagnoseGitLabToken(tokenInfo, now));
      retryTimes.set(report, at);
      return report;
    },
    async after(info) {
      const log = deps.log.child({ repo: `${info.job.owner}/${info.job.repo}`, target: info.target });
      if (reportsChanges(info.job)) {
        const commits = info.result?.changes.length
          ? await commitsOfRefs(info.cacheDir, deps.gitTimeoutMs).catch((error) => {
              log.warn({ err: error }, "could not read the commits of the changed refs: reporting on the refs' own objects");
              return new Map<string, string>();
            })
          : new Map<string, string>();
        await reportChanges({
          octokit: info.octokit,
          repo: info.repo,
          defaultBranch: info.defaultBranch,
          report: info.report,
          result: info.result,
          commits,
          alreadyReported: new Set(info.reportedShas),
          previous: info.previous,
          actions: [SYNC_NOW_ACTION],
        }).catch((error) => log.warn({ err: error }, "could not report what the sync changed"));
      }
      const failed = info.report.conclusion !== "success";
      const step = notificationStep({
        notify: info.mirror.notify,
        failed,
        failuresBefore: info.previous?.consecutiveFailures,
        failuresNow: failuresAfter(info),
      });
      const done = await applyNotification(info.octokit, info.repo, step, {
        target: info.target,
        title: info.report.output.title,
        summary: info.report.output.summary,
        failures: failuresAfter(info),
        retryAt: retryTimes.get(info.report),
      }).catch((error) => {
        log.warn({ err: error, step }, "could not update the mirror-failure issue");
        return "none" as const;
      });
      if (done !== "none") log.info(`mirror-failure issue ${done}`);
    },
  };
}

/** PURE: pre-flight findings appended to the summary (a warning does not fail a mirror that worked). */
export function withDiagnostics(report: RenderedReport, found: Diagnostic[]): RenderedReport {
  if (found.length === 0) return report;
  return { ...report, output: { ...report.output, summary: `${report.output.summary}\n\n${renderDiagnostics(found)}` } };
}

/** PURE: the failure report, plus when mirror-bot tries again. */
export function withRetryNote(report: RenderedReport, retryAt: number, failures: number, now: number): RenderedReport {
  const when = `${new Date(retryAt).toISOString().replace(/\.\d+Z$/, "Z")} (${describeDelay(retryAt - now)})`;
  const times = failures === 1 ? "" : ` This mirror has failed ${failures} times in a row.`;
  return {
    ...report,
    output: {
      ...report.output,
      summary: `${report.output.summary}\n\n**mirror-bot tries again at ${when}**, and keeps retrying with a growing delay; fixing the cause and pressing **Sync now** tries at once.${times}`,
    },
  };
}
