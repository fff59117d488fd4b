/** The wording and formatting both directions' reports share (render-mirror-report.ts, render-pull-report.ts). */
import type { MirrorError } from "../errors.js";
import type { RefChange } from "../mirror/types.js";
import type { RenderedReport } from "./render-mirror-report.js";

export const short = (sha: string | null | undefined) => (sha ? sha.slice(0, 7) : "—");
export const shortRef = (ref: string) => ref.replace(/^refs\/(heads|tags)\//, "");
export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
export const retried = (attempts: number) => (attempts > 1 ? ` after ${attempts} attempts` : "");
export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

export const ACTION_WORDS: Record<RefChange["action"], string> = {
  create: "created",
  "fast-forward": "fast-forwarded",
  "force-update": "force-updated (force: true)",
  delete: "deleted",
  "force-delete": "deleted (force: true)",
};

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
