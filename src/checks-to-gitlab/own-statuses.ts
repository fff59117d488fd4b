/**
 * PURE: which statuses the app wrote itself, on either side, so that none is carried back.
 * GitLab attaches every API status to a pipeline as an "external" job, so the GitLab → GitHub
 * direction (pipelines as check runs) meets these names in pipeline and job events and must leave
 * them out; this direction meets GitHub statuses the other one may write. The app's own check runs
 * are recognised by their app id (handlers/github-checks.ts).
 */
import { GITLAB_STATUS_NAME } from "../report/render-pull-report.js";
import { GITHUB_CHECK_PREFIX } from "./map-state.js";

/** Commit status contexts on GitHub reserved for what the app reports from GitLab. */
export const GITLAB_CONTEXT_PREFIX = "gitlab/";

/** A GitLab status (or the external job it made) the app wrote: `github/<check>` or `github-mirror`. */
export function isOwnGitLabStatus(name: string): boolean {
  return name.startsWith(GITHUB_CHECK_PREFIX) || name === GITLAB_STATUS_NAME;
}

/** A GitHub commit status the app wrote (or would write) from GitLab: context `gitlab/...`. */
export function isOwnGitHubStatus(context: string): boolean {
  return context.toLowerCase().startsWith(GITLAB_CONTEXT_PREFIX);
}
