/** The wording and formatting both directions' reports share (render-mirror-report.ts, render-pull-report.ts). */
import type { MirrorError } from "../errors.js";
import type { RefChange, RemoteName } from "../mirror/types.js";
import type { RenderedReport } from "./rendered-report.js";

export const short = (sha: string | null | undefined) => (sha ? sha.slice(0, 7) : "—");
export const shortRef = (ref: string) => ref.replace(/^refs\/(heads|tags)\//, "");
export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
export const retried = (attempts: number) => (attempts > 1 ? ` after ${attempts} attempts` : "");
export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

const ACTION_WORDS: Record<RefChange["action"], string> = {
  create: "created",
  "fast-forward": "fast-forwarded",
  "force-update": "force-updated",
  delete: "deleted",
  "force-delete": "deleted",
};

/** e.g. `force-updated (GitHub rewrote it; the old tip is kept as refs/mirror-backup/heads/topic/…)`. */
export function changeWords(change: RefChange, source: RemoteName): string {
  const why = change.because === "followed" ? `${source} ${change.newSha === null ? "deleted" : "rewrote"} it` : change.because === "forced" ? "force: true" : undefined;
  const kept = change.backupRef ? `the old tip is kept as \`${change.backupRef}\`` : undefined;
  const note = [why, kept].filter(Boolean).join("; ");
  return note ? `${ACTION_WORDS[change.action]} (${note})` : ACTION_WORDS[change.action];
}

/** A paragraph that may be absent, for spreading into a list of paragraphs. */
export const optional = (text: string | undefined): string[] => (text ? [text] : []);

/** How to undo a replaced tip, when the sync kept any: the restore command for the first of them. */
export function backupAdvice(changes: RefChange[], repoFullName: string | undefined): string | undefined {
  const kept = changes.filter((c) => c.backupRef);
  if (kept.length === 0) return undefined;
  const repo = repoFullName ?? "<owner>/<repo>";
  return [
    `The ${plural(kept.length, "replaced tip")} ${kept.length === 1 ? "is" : "are"} kept as backup refs (listed in the table). To put one back:`,
    "```",
    `npx mirror-bot restore ${repo} ${kept[0]!.backupRef}`,
    "```",
  ].join("\n");
}

/** The GitLab project as a link when its page is known. */
export function projectLink(projectPath: string, projectWebUrl: string | undefined): string {
  return projectWebUrl ? `[${projectPath}](${projectWebUrl})` : `\`${projectPath}\``;
}

/** A sync that failed outright: the error's own title, and its advice. */
export function failureReport(input: { projectPath: string; attempts: number; durationMs: number; error: MirrorError }, what: string): RenderedReport {
  return {
    projectPath: input.projectPath,
    conclusion: "failure",
    output: {
      title: input.error.userMessage,
      summary: [`${what} failed${retried(input.attempts)} (${seconds(input.durationMs)}).`, "", input.error.advice || "Re-run this check once the cause is fixed."].join("\n"),
    },
  };
}
