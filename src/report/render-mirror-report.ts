/**
 * PURE rendering of one mirror run into a check run: a one-line title with the outcome, a summary
 * with what happened and how to fix it, a per-ref table in the text. Written for the person
 * reading the commit, never with a stack trace.
 */
import type { MirrorError } from "../errors.js";
import type { BlockedRef, RefChange, RefRefusal, MirrorResult } from "../mirror/types.js";
import type { RenderedReport } from "./rendered-report.js";
import { isLfsBlocked, lfsBlockedAdvice, lfsBlockedTitle, lfsNotCopiedWarning, lfsTitlePart } from "./lfs-report.js";
import { backupAdvice, changeWords, failureReport, optional, projectLink, retried, seconds, short, shortRef } from "./format.js";

export interface MirrorReportInput {
  /** e.g. group/sub/project */
  projectPath: string;
  /** GitLab project page, for links; absent when the project could not be resolved. */
  projectWebUrl?: string;
  result?: MirrorResult;
  error?: MirrorError;
  durationMs: number;
  /** Attempts made (1 = no retry). */
  attempts: number;
  /** owner/repo on GitHub, for the restore command of a backup. */
  repoFullName?: string;
}

export function checkRunName(projectPath: string): string {
  return `GitLab mirror (${projectPath})`;
}

const isTag = (ref: string) => ref.startsWith("refs/tags/");

function commitLink(webUrl: string | undefined, sha: string | null): string {
  if (!sha) return "—";
  return webUrl ? `[\`${short(sha)}\`](${webUrl}/-/commit/${sha})` : `\`${short(sha)}\``;
}

function changeRow(change: RefChange, webUrl?: string): string {
  const kind = isTag(change.ref) ? "tag" : "branch";
  return `| ${kind} \`${shortRef(change.ref)}\` | ${changeWords(change, "GitHub")} | ${commitLink(webUrl, change.oldSha)} → ${commitLink(webUrl, change.newSha)} |`;
}

function refusalTitle(refusal: RefRefusal): string {
  const name = shortRef(refusal.ref);
  switch (refusal.reason) {
    case "diverged":
      return `${name} has diverged on GitLab: not overwritten`;
    case "tag-moved":
      return `tag ${name} points elsewhere on GitLab: not moved`;
    case "would-lose-commits":
      return `${name} was not deleted on GitLab: it holds commits GitHub does not have`;
  }
}

function refusalAdvice(refusal: RefRefusal, projectPath: string, webUrl?: string): string {
  const name = shortRef(refusal.ref);
  const counts =
    refusal.sourceOnly !== undefined && refusal.targetOnly !== undefined
      ? ` GitHub has ${refusal.sourceOnly} commit(s) GitLab lacks; GitLab has ${refusal.targetOnly} commit(s) GitHub lacks.`
      : "";
  const remote = webUrl ? `${webUrl}.git` : `<GitLab URL of ${projectPath}>`;
  switch (refusal.reason) {
    case "diverged":
      return [
        `**\`${name}\` has diverged.** GitHub: \`${short(refusal.sourceSha)}\`, GitLab: ${commitLink(webUrl, refusal.targetSha)}.${counts}`,
        "Nothing was overwritten. Two ways out:",
        `1. Keep both: merge GitLab's commits into GitHub and push; the next mirror run fast-forwards GitLab.`,
        "   ```",
        `   git fetch ${remote} ${name} && git merge FETCH_HEAD && git push origin ${name}`,
        "   ```",
        `2. Let GitHub win: set \`force: true\` for this mirror in \`.mirror.yml\`. GitLab's own commits on \`${name}\` will be discarded.`,
      ].join("\n");
    case "tag-moved":
      return [
        `**Tag \`${name}\` differs.** GitHub: \`${short(refusal.sourceSha)}\`, GitLab: \`${short(refusal.targetSha)}\`.`,
        "Moving a tag rewrites what others may have fetched, so mirror-bot does not do it by default.",
        `Either delete the tag on GitLab so it is mirrored afresh, or set \`force: true\` in \`.mirror.yml\`.`,
      ].join("\n");
    case "would-lose-commits":
      return [
        `**\`${name}\` was deleted on GitHub** but GitLab's \`${name}\` (${commitLink(webUrl, refusal.targetSha)}) holds commits no GitHub branch or tag contains.`,
        `Nothing was deleted. Either merge or push those commits to GitHub first, delete \`${name}\` on GitLab yourself, or set \`force: true\` in \`.mirror.yml\`.`,
      ].join("\n");
  }
}

const PUSH_SIDES = { source: "GitHub", target: "GitLab" } as const;

function blockedTitle(blocked: BlockedRef): string {
  if (isLfsBlocked(blocked)) return lfsBlockedTitle(blocked, PUSH_SIDES);
  const name = shortRef(blocked.ref);
  return blocked.rule === "delete" ? `${name} is protected on GitLab: not deleted` : `${name} is protected on GitLab against force pushes: not overwritten`;
}

const PROTECTED_SETTINGS = "**Settings → Repository → Protected branches**";

function blockedAdvice(blocked: BlockedRef, webUrl?: string): string {
  if (isLfsBlocked(blocked)) return lfsBlockedAdvice(blocked, PUSH_SIDES);
  const name = shortRef(blocked.ref);
  if (blocked.rule === "workflows") return `**\`${name}\`** changes \`${blocked.path}\`; not pushed.`; // pull direction only
  const rule = blocked.protectedBy === name ? "" : ` (rule \`${blocked.protectedBy}\`)`;
  if (blocked.rule === "delete") {
    return [
      `**\`${name}\` was deleted on GitHub but is a protected branch on GitLab${rule}.** GitLab deletes protected branches only in its web interface, so GitLab's \`${name}\` (${commitLink(webUrl, blocked.oldSha)}) was kept; the other refs were mirrored.`,
      `Unprotect it in GitLab's ${PROTECTED_SETTINGS} (the next sync deletes it), or delete it on GitLab yourself.`,
    ].join("\n");
  }
  return [
    `**\`${name}\` is a protected branch on GitLab${rule} that does not allow force pushes.** GitHub's \`${short(blocked.newSha)}\` does not descend from GitLab's ${commitLink(webUrl, blocked.oldSha)}, so it was not pushed; the other refs were mirrored.`,
    `Unprotect it or allow force push for the token's role in GitLab's ${PROTECTED_SETTINGS}, then press **Sync now**.`,
  ].join("\n");
}

export function renderMirrorReport(input: MirrorReportInput): RenderedReport {
  const link = projectLink(input.projectPath, input.projectWebUrl);
  if (input.error) return failureReport({ ...input, error: input.error }, `Mirroring to GitLab project ${link}`);

  const result = input.result!;
  const table = result.changes.length
    ? ["| Ref | Change | GitLab before → after |", "| --- | --- | --- |", ...result.changes.map((c) => changeRow(c, input.projectWebUrl))].join("\n")
    : "";
  const changed = `${result.changes.length} ref${result.changes.length === 1 ? "" : "s"}`;

  const blocked = result.blocked ?? [];
  const lfsOnes = blocked.filter(isLfsBlocked);
  const protectedOnes = blocked.filter((b) => !isLfsBlocked(b));
  const lfsWarning = lfsNotCopiedWarning(result.lfs, "GitLab");
  if (result.refusals.length > 0 || blocked.length > 0) {
    const titles = [...result.refusals.map(refusalTitle), ...blocked.map(blockedTitle)];
    const title = titles.length === 1 ? titles[0]! : `${titles.length} refs refused on GitLab: ${titles[0]}, …`;
    const why = [
      ...(result.refusals.length > 0 ? [`${result.refusals.length} ref(s) refused to protect commits that exist only on GitLab`] : []),
      ...(protectedOnes.length > 0 ? [`${protectedOnes.length} ref(s) skipped because GitLab protects the branch`] : []),
      ...(lfsOnes.length > 0 ? [`${lfsOnes.length} ref(s) skipped because their Git LFS objects could not be copied`] : []),
    ];
    return {
      projectPath: input.projectPath,
      conclusion: "failure",
      output: {
        title,
        summary: [
          `Mirroring to ${link}: ${why.join("; ")}; ${changed}${lfsTitlePart(result.lfs)} updated (${seconds(input.durationMs)}).`,
          ...result.refusals.map((r) => refusalAdvice(r, input.projectPath, input.projectWebUrl)),
          ...blocked.map((b) => blockedAdvice(b, input.projectWebUrl)),
          ...optional(backupAdvice(result.changes, input.repoFullName)),
          ...optional(lfsWarning),
        ].join("\n\n"),
        ...(table ? { text: `### Updated\n\n${table}` } : {}),
      },
    };
  }

  const title =
    result.changes.length === 0
      ? `GitLab is up to date (${input.projectPath})`
      : `Mirrored ${changed}${lfsTitlePart(result.lfs)} to GitLab in ${seconds(input.durationMs)}${lfsWarning ? " (LFS objects not copied: lfs: false)" : ""}`;
  return {
    projectPath: input.projectPath,
    conclusion: "success",
    output: {
      title,
      summary:
        result.changes.length === 0
          ? `Every mirrored branch and tag on ${link} already matches GitHub. Nothing was pushed.`
          : [
              `Mirrored to ${link} in ${seconds(input.durationMs)}${retried(input.attempts)}; ${result.unchangedCount} other ref(s) already matched.`,
              ...optional(backupAdvice(result.changes, input.repoFullName)),
              ...optional(lfsWarning),
            ].join("\n\n"),
      ...(table ? { text: table } : {}),
    },
  };
}
