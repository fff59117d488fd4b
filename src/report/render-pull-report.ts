/**
 * PURE rendering of a GitLab → GitHub sync (the pull half of `pull` and `both` mirrors): the
 * GitHub check run on a commit that arrived from GitLab, and the `github-mirror` commit status
 * GitLab shows on its commit. Same voice as render-mirror-report.ts, sides swapped.
 */
import type { MirrorError } from "../errors.js";
import type { CheckRunOutput } from "../github/check-runs.js";
import { isLfsBlocked, lfsBlockedAdvice, lfsBlockedTitle, lfsNotCopiedWarning, lfsTitlePart } from "./lfs-report.js";
import { WORKFLOWS_FIX, workflowsBlockedTitle } from "../diagnostics/workflows-permission.js";
import type { BlockedRef, RefRefusal, MirrorResult } from "../mirror/types.js";
import type { RenderedReport } from "./rendered-report.js";
import { backupAdvice, changeWords, failureReport, optional, plural, projectLink, retried, seconds, short, shortRef } from "./format.js";

export const GITLAB_STATUS_NAME = "github-mirror";

export interface PullReportInput {
  projectPath: string;
  projectWebUrl?: string;
  /** The GitHub repository page, e.g. https://github.com/octo/repo. */
  repoHtmlUrl: string;
  direction: "pull" | "both";
  result?: MirrorResult;
  error?: MirrorError;
  durationMs: number;
  attempts: number;
}

export interface GitLabStatusReport {
  state: "success" | "failed";
  description: string;
  targetUrl: string;
}

export function pullRefusalTitle(refusal: RefRefusal): string {
  const name = shortRef(refusal.ref);
  switch (refusal.reason) {
    case "diverged":
      return `${name} has diverged on GitHub: not overwritten`;
    case "tag-moved":
      return `tag ${name} points elsewhere on GitHub: not moved`;
    case "would-lose-commits":
      return `${name} was not deleted on GitHub: it holds commits GitLab does not have`;
  }
}

function refusalAdvice(refusal: RefRefusal, input: PullReportInput): string {
  const name = shortRef(refusal.ref);
  const gitlabCommit = input.projectWebUrl ? `[\`${short(refusal.sourceSha)}\`](${input.projectWebUrl}/-/commit/${refusal.sourceSha})` : `\`${short(refusal.sourceSha)}\``;
  const githubCommit = `[\`${short(refusal.targetSha)}\`](${input.repoHtmlUrl}/commit/${refusal.targetSha})`;
  const counts =
    refusal.sourceOnly !== undefined && refusal.targetOnly !== undefined
      ? ` GitLab has ${refusal.sourceOnly} commit(s) GitHub lacks; GitHub has ${refusal.targetOnly} commit(s) GitLab lacks.`
      : "";
  switch (refusal.reason) {
    case "diverged":
      return [
        `**\`${name}\` was moved on both sides.** GitLab: ${gitlabCommit}, GitHub: ${githubCommit}.${counts}`,
        "Nothing was overwritten on either side. Two ways out:",
        `1. Keep both: merge one side's \`${name}\` into the other's and push (for example \`git pull <GitLab URL> ${name}\` in a GitHub clone, then \`git push\`); the next sync carries the merge across.`,
        input.direction === "both"
          ? `2. Let GitHub win: set \`force: true\` for this mirror; GitLab's own commits on \`${name}\` will be discarded.`
          : `2. Let GitLab win: set \`force: true\` for this mirror; GitHub's own commits on \`${name}\` will be discarded.`,
      ].join("\n");
    case "tag-moved":
      return `**Tag \`${name}\` differs.** GitLab: ${gitlabCommit}, GitHub: ${githubCommit}. Delete it on one side so it is mirrored afresh, or set \`force: true\`.`;
    case "would-lose-commits":
      return `**\`${name}\` was deleted on GitLab** but GitHub's \`${name}\` (${githubCommit}) holds commits no GitLab branch or tag contains. Nothing was deleted: merge them first, delete \`${name}\` on GitHub yourself, or set \`force: true\`.`;
  }
}

/** Pre-flight findings (src/diagnostics/): only workflow changes without the permission go this way. */
const PULL_SIDES = { source: "GitLab", target: "GitHub" } as const;

function blockedTitle(blocked: BlockedRef): string {
  if (isLfsBlocked(blocked)) return lfsBlockedTitle(blocked, PULL_SIDES);
  return blocked.rule === "workflows" ? workflowsBlockedTitle(blocked.ref) : `${shortRef(blocked.ref)} is protected on GitHub: not pushed`;
}

function blockedAdvice(blocked: BlockedRef): string {
  if (isLfsBlocked(blocked)) return lfsBlockedAdvice(blocked, PULL_SIDES);
  const name = shortRef(blocked.ref);
  if (blocked.rule !== "workflows") return `**\`${name}\`** is protected on GitHub; it was not pushed.`;
  return [
    `**\`${name}\` changes \`${blocked.path}\`**, and GitHub lets a GitHub App create or update workflows only with the \`workflows\` permission, which this installation of mirror-bot lacks. GitLab's \`${short(blocked.newSha)}\` was not pushed; the other refs were mirrored.`,
    `**How to fix:** ${WORKFLOWS_FIX}`,
  ].join("\n\n");
}

export function renderPullReport(input: PullReportInput): RenderedReport {
  const project = projectLink(input.projectPath, input.projectWebUrl);
  if (input.error) return failureReport({ ...input, error: input.error }, `Mirroring GitLab project ${project} to GitHub`);
  const result = input.result!;
  const table = result.changes.length
    ? [
        "| Ref | Change | GitHub before → after |",
        "| --- | --- | --- |",
        ...result.changes.map(
          (c) => `| ${c.ref.startsWith("refs/tags/") ? "tag" : "branch"} \`${shortRef(c.ref)}\` | ${changeWords(c, "GitLab")} | \`${short(c.oldSha)}\` → \`${short(c.newSha)}\` |`,
        ),
      ].join("\n")
    : "";
  const blocked = result.blocked ?? [];
  const lfsWarning = lfsNotCopiedWarning(result.lfs, "GitHub");
  if (blocked.length > 0 && result.refusals.length === 0) {
    const first = blocked[0]!;
    const output: CheckRunOutput = {
      title: blocked.length === 1 ? blockedTitle(first) : `${blocked.length} refs not pushed to GitHub: ${blockedTitle(first)}, …`,
      summary: [
        `Mirroring ${project} to GitHub: ${plural(blocked.length, "ref")} left out because ${blocked.every(isLfsBlocked) ? "their Git LFS objects could not be copied" : "GitHub refuses them"}; ${plural(result.changes.length, "other ref")}${lfsTitlePart(result.lfs)} updated.`,
        ...blocked.map((b) => blockedAdvice(b)),
        ...optional(backupAdvice(result.changes, repoFullName(input.repoHtmlUrl))),
      ].join("\n\n"),
      ...(table ? { text: `### Updated\n\n${table}` } : {}),
    };
    return { projectPath: input.projectPath, conclusion: "failure", output };
  }
  if (result.refusals.length > 0) {
    const first = result.refusals[0]!;
    const output: CheckRunOutput = {
      title: result.refusals.length === 1 ? pullRefusalTitle(first) : `${result.refusals.length} refs refused on GitHub: ${pullRefusalTitle(first)}, …`,
      summary: [
        `Mirroring ${project} to GitHub: ${result.refusals.length} ref(s) refused to protect commits that exist only on GitHub; ${plural(result.changes.length, "ref")} updated.`,
        ...result.refusals.map((r) => refusalAdvice(r, input)),
        ...optional(backupAdvice(result.changes, repoFullName(input.repoHtmlUrl))),
      ].join("\n\n"),
      ...(table ? { text: `### Updated\n\n${table}` } : {}),
    };
    return { projectPath: input.projectPath, conclusion: "failure", output };
  }
  return {
    projectPath: input.projectPath,
    conclusion: "success",
    output: {
      title:
        result.changes.length === 0
          ? `GitHub is up to date with GitLab (${input.projectPath})`
          : `Mirrored ${plural(result.changes.length, "ref")}${lfsTitlePart(result.lfs)} from GitLab in ${seconds(input.durationMs)}${lfsWarning ? " (LFS objects not copied: lfs: false)" : ""}`,
      summary:
        result.changes.length === 0
          ? `Every mirrored branch and tag already matches ${project}. Nothing was pushed.`
          : [
              `Mirrored from ${project} to GitHub in ${seconds(input.durationMs)}${retried(input.attempts)}; ${result.unchangedCount} other ref(s) already matched.`,
              ...optional(backupAdvice(result.changes, repoFullName(input.repoHtmlUrl))),
              ...optional(lfsWarning),
            ].join("\n\n"),
      ...(table ? { text: table } : {}),
    },
  };
}

/** The `github-mirror` status on one GitLab commit: what happened to its ref, one line. */
export function renderGitLabStatus(input: PullReportInput, target: { ref: string; sha: string }): GitLabStatusReport | null {
  const commitUrl = `${input.repoHtmlUrl}/commit/${target.sha}`;
  if (input.error) return { state: "failed", description: input.error.userMessage, targetUrl: input.repoHtmlUrl };
  const result = input.result!;
  const stopped = result.blocked?.find((b) => b.ref === target.ref);
  if (stopped) {
    const fix = isLfsBlocked(stopped) ? "see the check run on GitHub" : "grant it, then Sync now";
    return { state: "failed", description: `${blockedTitle(stopped)}: ${fix}`, targetUrl: input.repoHtmlUrl };
  }
  const refusal = result.refusals.find((r) => r.ref === target.ref);
  if (refusal) {
    const detail = refusal.reason === "diverged" ? ` (GitLab ${short(refusal.sourceSha)}, GitHub ${short(refusal.targetSha)}); merge one into the other` : "";
    return { state: "failed", description: `${pullRefusalTitle(refusal)}${detail}`, targetUrl: `${input.repoHtmlUrl}/tree/${shortRef(target.ref)}` };
  }
  // Only a sync that carried the commit reports it: when GitHub already had it (our own push coming
  // back, or an earlier job that synced every ref), there is nothing new to say.
  if (result.inSync?.[target.ref] === target.sha && result.changes.some((c) => c.ref === target.ref)) {
    return { state: "success", description: `Mirrored to GitHub in ${seconds(input.durationMs)}`, targetUrl: commitUrl };
  }
  // Already on GitHub, moved again since (a newer push reports), or GitHub is ahead (the other half carries it).
  return null;
}

/** owner/repo from the repository's page URL (https://github.com/octo/repo). */
const repoFullName = (htmlUrl: string): string | undefined => /\/([^/]+\/[^/]+?)\/?$/.exec(htmlUrl)?.[1];
