/**
 * PURE rendering of a GitLab pipeline as a GitHub check run: `GitLab CI (<project>)` (with the
 * pipeline's name when it has one), a one-line title with the outcome, a summary with a table of
 * stages and jobs (status, duration, links), and the end of each failed job's log in the text.
 * The app's own jobs (pipeline-status.ts isAppJob) are not shown.
 */
import type { CheckRunOutput } from "../github/check-runs.js";
import type { GitLabJob, GitLabPipeline } from "../gitlab/client.js";
import { isAppJob, isWarning, type CheckState } from "../pipelines/pipeline-status.js";
import { LOG_TAIL_LINES } from "../pipelines/log-tail.js";
import { plural, projectLink } from "./format.js";

export const PIPELINE_CHECK_PREFIX = "GitLab CI (";

export function pipelineCheckName(projectPath: string, pipelineName: string | null): string {
  return `${PIPELINE_CHECK_PREFIX}${projectPath})${pipelineName ? `: ${pipelineName}` : ""}`;
}

/** The project path in a pipeline check run's name, or null for any other check run. */
export function projectOfCheckName(name: string): string | null {
  if (!name.startsWith(PIPELINE_CHECK_PREFIX)) return null;
  const end = name.indexOf(")", PIPELINE_CHECK_PREFIX.length);
  return end > PIPELINE_CHECK_PREFIX.length ? name.slice(PIPELINE_CHECK_PREFIX.length, end) : null;
}

/** A failed job's log: its cleaned tail, or why it could not be read. */
export type JobLog = { tail: string } | { error: string };

export interface PipelineReportInput {
  projectPath: string;
  projectWebUrl?: string;
  pipeline: GitLabPipeline;
  jobs: GitLabJob[];
  state: CheckState;
  /** Which run of the pipeline this check run shows (0: the first, n: the n-th retry). */
  retry: number;
  logs: Map<number, JobLog>;
  /** Said first in the summary, e.g. why a button could not do what it was asked. */
  notes?: string[];
}

const ICONS: Record<string, string> = {
  success: "✅",
  failed: "❌",
  canceled: "⛔",
  canceling: "⛔",
  skipped: "⏭️",
  manual: "▶️",
  running: "🔄",
};

function statusCell(job: GitLabJob): string {
  if (isWarning(job)) return "⚠️ failed (allowed to fail)";
  return `${ICONS[job.status] ?? "⏳"} ${job.status.replace(/_/g, " ")}`;
}

function duration(job: GitLabJob): string {
  if (job.duration === null) return "—";
  const s = Math.round(job.duration);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** Failed jobs in the order they are shown: those that fail the pipeline first, then warnings. */
export function failedJobs(jobs: GitLabJob[]): GitLabJob[] {
  const own = jobs.filter((j) => !isAppJob(j.name) && j.status === "failed");
  return [...own.filter((j) => !j.allowFailure), ...own.filter((j) => j.allowFailure)];
}

function title({ pipeline, jobs, state }: PipelineReportInput): string {
  const own = jobs.filter((j) => !isAppJob(j.name));
  const label = `Pipeline #${pipeline.id}`;
  const failing = own.filter((j) => j.status === "failed" && !j.allowFailure).map((j) => j.name);
  const warnings = own.filter(isWarning).length;
  const warned = warnings > 0 ? ` with ${plural(warnings, "warning")}` : "";
  if (state.status === "queued") return `${label} is queued`;
  if (state.status === "in_progress") {
    const done = own.filter((j) => ["success", "failed", "canceled", "skipped"].includes(j.status)).length;
    return `${label} is running: ${done} of ${plural(own.length, "job")} done${failing.length ? `, ${failing.join(", ")} failed` : ""}`;
  }
  switch (state.conclusion) {
    case "success":
      return `${label} passed${warned}`;
    case "failure":
      return `${label} failed: ${failing.join(", ")}`;
    case "cancelled":
      return `${label} was cancelled`;
    case "skipped":
      return `${label} was skipped`;
    case "action_required":
      return `${label} waits for a manual job: ${own
        .filter((j) => j.status === "manual")
        .map((j) => j.name)
        .join(", ")}`;
    default:
      return `${label}: ${state.conclusion ?? state.status}`;
  }
}

/** A code block fenced so that no run of backticks in the log can close it. */
function fenced(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  return `${fence}\n${text}\n${fence}`;
}

/** As GitLab lists them: by stage (in the order the pipeline's stages first appear), then by name. */
function inStageOrder(jobs: GitLabJob[]): GitLabJob[] {
  const stageAt = new Map<string, number>();
  for (const job of [...jobs].sort((a, b) => a.id - b.id)) if (!stageAt.has(job.stage)) stageAt.set(job.stage, stageAt.size);
  return [...jobs].sort((a, b) => stageAt.get(a.stage)! - stageAt.get(b.stage)! || a.name.localeCompare(b.name));
}

export function renderPipelineReport(input: PipelineReportInput): CheckRunOutput {
  const { pipeline, jobs, projectPath, projectWebUrl, retry, logs } = input;
  const own = inStageOrder(jobs.filter((j) => !isAppJob(j.name)));
  const ref = pipeline.ref.replace(/^refs\/(heads|tags)\//, "");
  const summary = [
    ...(input.notes ?? []).map((note) => `> ${note.replace(/\n/g, "\n> ")}\n`),
    `[Pipeline #${pipeline.id}](${pipeline.webUrl}) for \`${ref}\` in ${projectLink(projectPath, projectWebUrl)}` +
      (retry > 0 ? `, re-run ${retry}` : "") +
      (pipeline.name ? ` (${pipeline.name})` : "") +
      ".",
    "",
    "| stage | job | status | duration |",
    "| --- | --- | --- | --- |",
    ...own.map((j) => `| ${cell(j.stage)} | [${cell(j.name)}](${j.webUrl}) | ${statusCell(j)} | ${duration(j)} |`),
  ].join("\n");

  const sections: string[] = [];
  for (const job of failedJobs(jobs)) {
    const log = logs.get(job.id);
    if (!log) continue;
    const heading = `### ${isWarning(job) ? "⚠️" : "❌"} ${job.name} (stage ${job.stage})${job.failureReason && job.failureReason !== "script_failure" ? `: ${job.failureReason.replace(/_/g, " ")}` : ""}`;
    const body =
      "error" in log
        ? `Its log could not be read: ${log.error}. [Open the job on GitLab](${job.webUrl}).`
        : `The last ${LOG_TAIL_LINES} lines of [its log](${job.webUrl}):\n\n${fenced(log.tail)}`;
    sections.push(`${heading}\n\n${body}`);
  }
  return { title: title(input), summary, ...(sections.length > 0 ? { text: sections.join("\n\n") } : {}) };
}
