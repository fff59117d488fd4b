/**
 * The one vocabulary of failure. Every error that reaches a user (a check run, a GitLab status,
 * a log line) is a MirrorError: a stable code, a one-line message written for the person reading
 * the commit, and advice on how to fix it. `cause` stays in memory for debug logs only.
 */
export type ErrorCode =
  | "config_invalid" // .mirror.yml does not parse or validate
  | "config_missing" // no .mirror.yml on the default branch
  | "gitlab_not_allowed" // the config names a GitLab instance this app has no token for
  | "policy_denied" // the operator's access policy forbids this mirror (namespaces, private → public)
  | "gitlab_project_not_found" // Projects.show answered 404
  | "github_repo_not_found" // git got 404 fetching the GitHub repository
  | "gitlab_unauthorized" // token missing, expired or revoked (401)
  | "gitlab_forbidden" // token lacks a scope or role (403)
  | "github_forbidden" // the app lacks a permission on GitHub
  | "workflows_permission" // GitHub refused a push touching .github/workflows
  | "protected_branch" // a protected branch or push rule refused the push
  | "auth_failed" // git could not authenticate
  | "lfs_objects_missing" // GitLab's LFS integrity check refused a push whose pointers name objects it lacks
  | "lease_lost" // the target moved while we were pushing; retried by the next run
  | "invalid_ref" // a ref name that is not safe to hand to git
  | "transient" // network, 5xx, 429: worth another try
  | "timeout" // a git process or API call took too long
  | "git_failed" // git failed in a way not classified above; the message quotes git
  | "internal"; // a bug: the message says so without details

export class MirrorError extends Error {
  readonly code: ErrorCode;
  /** One line for the check run title / status description. */
  readonly userMessage: string;
  /** How to fix it, in Markdown; shown in the check run summary. */
  readonly advice: string;
  readonly retryable: boolean;
  /** Seconds to wait before a retry, when the server told us (Retry-After). */
  readonly retryAfterSeconds?: number;

  constructor(code: ErrorCode, userMessage: string, options: { advice?: string; cause?: unknown; retryable?: boolean; retryAfterSeconds?: number } = {}) {
    super(userMessage, { cause: options.cause });
    this.name = "MirrorError";
    this.code = code;
    this.userMessage = userMessage;
    this.advice = options.advice ?? "";
    this.retryable = options.retryable ?? (code === "transient" || code === "timeout");
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** Anything thrown becomes a MirrorError; unknown errors never leak their text to users. */
export function toMirrorError(error: unknown): MirrorError {
  if (error instanceof MirrorError) return error;
  return new MirrorError("internal", "mirror-bot hit an unexpected error", {
    advice: "This is a bug in mirror-bot. Re-run the check; if it fails again, report it to the app's operator.",
    cause: error,
  });
}
