/**
 * PURE: which statuses come from GitLab itself, on either side, so that none is carried back.
 * GitLab attaches every API status to a pipeline as an "external" job, so the GitLab → GitHub
 * direction (pipelines as check runs) meets the app's own names in pipeline and job events and
 * must leave them out; this direction meets the statuses GitLab's GitHub integration writes. The
 * app's own check runs are recognised by their app id (handlers/github-checks.ts).
 */
import { GITLAB_STATUS_NAME } from "../report/render-pull-report.js";
import { GITHUB_CHECK_PREFIX } from "./map-state.js";

/** GitLab's GitHub integration: `ci/gitlab/<host>` (static names) or `ci/gitlab/<branch>` (dynamic). */
const GITLAB_INTEGRATION_PREFIX = "ci/gitlab/";

/** A GitLab status (or the external job it made) the app wrote: `github/<check>` or `github-mirror`. */
export function isOwnGitLabStatus(name: string): boolean {
  return name.startsWith(GITHUB_CHECK_PREFIX) || name === GITLAB_STATUS_NAME;
}

/**
 * A GitHub commit status GitLab's own GitHub integration wrote for a pipeline. Carried back as
 * `github/ci/gitlab/...`, it would become a pending external job of that same pipeline, which
 * then could never finish.
 */
export function isGitLabPipelineStatus(context: string): boolean {
  return context.toLowerCase().startsWith(GITLAB_INTEGRATION_PREFIX);
}
