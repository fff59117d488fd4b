/**
 * PURE: what a GitHub check run or commit status becomes on GitLab. The state table is the one
 * users read in docs/ci-results-github-to-gitlab.md; the names and description are what a
 * developer sees in the GitLab pipeline's "external" stage and on the merge request.
 */
import type { GitLabCommitStatus } from "../gitlab/client.js";

export type GitLabState = GitLabCommitStatus["state"];

/** Every GitLab status this app writes for a GitHub check starts with this. */
export const GITHUB_CHECK_PREFIX = "github/";
/** GitLab caps a status name at 255 characters. */
const MAX_NAME = 255;
/** Short enough to read at a glance in GitLab's job list (GitLab itself accepts 255). */
const MAX_DESCRIPTION = 140;

/**
 * A check run's status, then its conclusion once completed. GitHub's newer queue states
 * (`waiting`, `requested`, `pending`) have not started either: pending. Null: a value GitHub may
 * add later; it is not guessed at (the event is ignored with a debug line).
 */
export function checkRunState(status: string, conclusion: string | null | undefined): GitLabState | null {
  if (status !== "completed") return RUN_STATUS[status] ?? null;
  return conclusion ? (CONCLUSION[conclusion] ?? null) : null;
}

const RUN_STATUS: Record<string, GitLabState> = { queued: "pending", waiting: "pending", requested: "pending", pending: "pending", in_progress: "running" };

const CONCLUSION: Record<string, GitLabState> = {
  success: "success",
  neutral: "success", // GitHub counts it as passing for branch protection; so does this
  skipped: "success", // likewise: a skipped required check does not block a merge
  failure: "failed",
  timed_out: "failed",
  action_required: "failed", // someone must act before it can pass
  startup_failure: "failed",
  cancelled: "canceled",
  stale: "canceled", // GitHub gave up on it after 14 days incomplete
};

/** A commit status's state (pending, success, failure, error). */
export function commitStatusState(state: string): GitLabState | null {
  return STATUS_STATE[state] ?? null;
}

const STATUS_STATE: Record<string, GitLabState> = { pending: "pending", success: "success", failure: "failed", error: "failed" };

/** `github/<check name>`, within GitLab's limit. */
export function gitlabStatusName(checkName: string): string {
  const name = `${GITHUB_CHECK_PREFIX}${checkName}`;
  return name.length > MAX_NAME ? `${name.slice(0, MAX_NAME - 1)}…` : name;
}

/** One line: GitHub's own word for the state, then the check's title or the status's description. */
export function statusDescription(word: string, detail: string | null | undefined): string {
  const first = (detail ?? "").split("\n")[0]!.trim();
  const text = first ? `GitHub: ${word} - ${first}` : `GitHub: ${word}`;
  return text.length > MAX_DESCRIPTION ? `${text.slice(0, MAX_DESCRIPTION - 1)}…` : text;
}
