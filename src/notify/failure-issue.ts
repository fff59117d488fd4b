/**
 * A failing mirror says so once, and once more when it recovers: after FAILURE_THRESHOLD
 * failures in a row one GitHub issue is opened (label `mirror-failure`: what fails, how to fix
 * it), and on the next success it is closed with a comment. Never one per attempt. `notify: none`
 * in `.mirror.yml` turns it off. The open issue itself is the state, so a restart (which forgets
 * failure counts) never opens a second one.
 */
import type { GitHubClient, RepoRef } from "../github/types.js";
import { redact } from "../secrets.js";

export const FAILURE_THRESHOLD = 3;
export const FAILURE_LABEL = "mirror-failure";

export type NotifyStep = "open" | "close" | "none";

export interface NotifyInput {
  notify: "issue" | "none";
  failed: boolean;
  /** Consecutive failures before this run; undefined when unknown (e.g. first run since start). */
  failuresBefore: number | undefined;
  /** Consecutive failures including this run (0 after a success). */
  failuresNow: number;
  threshold?: number;
}

/** PURE: what to do about the issue after one mirror run. */
export function notificationStep({ notify, failed, failuresBefore, failuresNow, threshold = FAILURE_THRESHOLD }: NotifyInput): NotifyStep {
  if (notify === "none") return "none";
  if (failed) return failuresNow >= threshold && (failuresBefore ?? 0) < threshold ? "open" : "none";
  // After a restart the count is unknown: look once whether an issue is left open.
  return failuresBefore === undefined || failuresBefore >= threshold ? "close" : "none";
}

export function issueTitle(target: string): string {
  return `GitLab mirror to ${target} is failing`;
}

export interface FailureDetails {
  target: string;
  title: string;
  summary: string;
  failures: number;
  /** When mirror-bot tries again, if known. */
  retryAt?: number | null;
}

/** PURE: the issue body: what fails, how to fix it, and what happens next. */
export function issueBody(details: FailureDetails): string {
  const next = details.retryAt ? `mirror-bot tries again at ${new Date(details.retryAt).toISOString()} and keeps trying` : "mirror-bot keeps trying";
  return redact(
    [
      `The mirror to GitLab project \`${details.target}\` failed ${details.failures} times in a row.`,
      "",
      `**${details.title}**`,
      "",
      details.summary,
      "",
      `${next}; this issue is closed automatically when the mirror works again.`,
      "To stop these issues, set `notify: none` for this mirror in `.mirror.yml`.",
    ].join("\n"),
  );
}

async function findOpenIssue(octokit: GitHubClient, repo: RepoRef, target: string): Promise<number | undefined> {
  const { data } = await octokit.rest.issues.listForRepo({ ...repo, state: "open", labels: FAILURE_LABEL, per_page: 100 });
  return data.find((issue) => issue.title === issueTitle(target) && !issue.pull_request)?.number;
}

/** Applies a step; returns what it did (for logs and tests). */
export async function applyNotification(octokit: GitHubClient, repo: RepoRef, step: NotifyStep, details: FailureDetails): Promise<"opened" | "closed" | "none"> {
  if (step === "none") return "none";
  const open = await findOpenIssue(octokit, repo, details.target);
  if (step === "open") {
    if (open !== undefined) return "none";
    await octokit.rest.issues.create({ ...repo, title: issueTitle(details.target), body: issueBody(details), labels: [FAILURE_LABEL] });
    return "opened";
  }
  if (open === undefined) return "none";
  await octokit.rest.issues.createComment({ ...repo, issue_number: open, body: redact(`The mirror to \`${details.target}\` works again: ${details.title}. Closing.`) });
  await octokit.rest.issues.update({ ...repo, issue_number: open, state: "closed", state_reason: "completed" });
  return "closed";
}
