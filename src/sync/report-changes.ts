/**
 * Check runs for syncs that no push asked for (reconciliation, "Sync now", the CLI): the drift
 * fixed is reported on the commits it brought to GitLab, like any mirror. A failure with nothing
 * to point at goes on the default branch, once per distinct failure rather than on every retry.
 */
import type { CheckRunAction } from "../github/check-runs.js";
import { createCompletedCheckRun } from "../github/check-runs.js";
import { defaultBranchHead } from "../github/repository.js";
import type { GitHubClient, RepoRef } from "../github/types.js";
import type { MirrorResult } from "../mirror/types.js";
import { checkRunName } from "../report/render-mirror-report.js";
import type { RenderedReport } from "../report/rendered-report.js";

/** A first sync can create thousands of tags; a handful of check runs says it as well. */
export const MAX_CHANGE_REPORTS = 10;

/** PURE: the commits to report on: new tips of changed refs, branches first, each commit once. */
export function changedCommits(result: MirrorResult, commitOf: (ref: string, sha: string) => string | undefined, skip: ReadonlySet<string>): string[] {
  const updated = result.changes.filter((c) => c.newSha !== null);
  const ordered = [...updated.filter((c) => c.ref.startsWith("refs/heads/")), ...updated.filter((c) => !c.ref.startsWith("refs/heads/"))];
  const shas: string[] = [];
  for (const change of ordered) {
    const sha = commitOf(change.ref, change.newSha!);
    if (!sha || skip.has(sha) || shas.includes(sha)) continue;
    shas.push(sha);
    if (shas.length === MAX_CHANGE_REPORTS) break;
  }
  return shas;
}

export interface ChangeReportInput {
  octokit: GitHubClient;
  repo: RepoRef;
  defaultBranch: string;
  report: RenderedReport;
  result: MirrorResult | null;
  /** ref → commit (tags peeled) in the cache, after the sync. */
  commits: Map<string, string>;
  /** Commits that already carry this mirror's check run for this job. */
  alreadyReported: ReadonlySet<string>;
  /** The previous outcome of this mirror: a repeated failure is not reported again. */
  previous?: { lastResult: "success" | "failure"; lastTitle: string };
  actions?: CheckRunAction[];
}

export async function reportChanges(input: ChangeReportInput): Promise<number> {
  const { octokit, repo, report } = input;
  const name = checkRunName(report.projectPath);
  const shas = input.result ? changedCommits(input.result, (ref, sha) => input.commits.get(ref) ?? sha, input.alreadyReported) : [];
  if (shas.length === 0 && report.conclusion !== "success" && input.alreadyReported.size === 0) {
    const repeated = input.previous?.lastResult === "failure" && input.previous.lastTitle === report.output.title;
    if (repeated) return 0;
    shas.push(await defaultBranchHead(octokit, repo, input.defaultBranch)); // a failure is logged by the caller (follow-up.ts)
  }
  for (const sha of shas) {
    await createCompletedCheckRun(octokit, repo, { name, headSha: sha, ...report, ...(input.actions ? { actions: input.actions } : {}) });
  }
  return shas.length;
}
