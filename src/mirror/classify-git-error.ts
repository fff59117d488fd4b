/**
 * The one place where git's words become mirror-bot's: a failed git process is classified once,
 * from its redacted output, into a MirrorError with a stable code, a one-line message and advice.
 * Patterns are the messages real servers send (GitHub, GitLab) and real git prints (LC_ALL=C).
 */
import { GitPluginError } from "simple-git";
import { PROGRESS_LINE } from "./git-progress.js";
import { MirrorError, type ErrorCode } from "../errors.js";
import { redact } from "../secrets.js";

export interface GitFailureContext {
  /** What git was doing, for the message. */
  operation: "fetch" | "ls-remote" | "push" | "local";
  /** Which side it talked to. */
  remote?: "GitHub" | "GitLab";
  /** Refs the server rejected, when known (from push --porcelain). */
  refs?: string[];
}

type Rule = {
  code: ErrorCode | ((context: GitFailureContext) => ErrorCode);
  pattern: RegExp;
  message: (c: Described) => string;
  advice: (c: Described) => string;
  retryable?: boolean;
};
type Described = { remote: string; refs: string; verb: string };

const RULES: Rule[] = [
  {
    code: "workflows_permission",
    pattern: /refusing to allow a GitHub App to create or update workflow|refusing to allow an OAuth App to create or update workflow|without `workflows?` (scope|permission)/i,
    message: (c) => `${c.remote} refused to ${c.verb}${c.refs} because it touches .github/workflows`,
    advice: () => "Grant the app the **Workflows** (read and write) permission, or exclude the refs that change `.github/workflows`.",
  },
  {
    code: "lfs_objects_missing",
    pattern: /LFS objects are missing/i,
    message: (c) => `${c.remote} refused to ${c.verb}${c.refs}: LFS objects are missing (its Git LFS integrity check)`,
    advice: (c) =>
      `The pushed commits hold Git LFS pointers whose objects ${c.remote} does not have, and ${c.remote} refuses such a push. mirror-bot copies them first unless \`lfs: false\` is set; see docs/lfs.md.`,
  },
  {
    code: "protected_branch",
    pattern:
      /not allowed to push code to protected branches|not allowed to force push code to a protected branch|GH006: Protected branch update failed|GH013: Repository rule violations|pre-receive hook declined|\(hook declined\)|hook declined to update/i,
    message: (c) => `${c.remote} refused to ${c.verb}${c.refs}: a protected branch or push rule forbids it`,
    advice: (c) =>
      `Allow the mirror's user to push (and force push, if \`force: true\`) to these refs in ${c.remote}'s protected branch or push rule settings, or exclude them in \`.mirror.yml\`.`,
  },
  {
    code: "protected_branch",
    pattern: /deny updating a hidden ref/i,
    message: (c) => `${c.remote} refused to ${c.verb}${c.refs}: the ref is hidden (reserved by the server)`,
    advice: () => "Exclude these refs in `.mirror.yml`; the server reserves them.",
  },
  {
    code: "lease_lost",
    pattern: /\(stale info\)|\(fetch first\)|cannot lock ref .* but expected|is at [0-9a-f]+ but expected|\(failed to update ref\)/i,
    message: (c) => `${c.remote} changed while mirror-bot was pushing${c.refs}; nothing was overwritten`,
    advice: () => "Someone pushed to the target at the same moment. The next sync compares again and retries.",
    retryable: true,
  },
  {
    code: "protected_branch",
    pattern: /denying non-fast-forward|\[remote rejected\][^\n]*\(non-fast-forward\)/i,
    message: (c) => `${c.remote} refused a non-fast-forward update${c.refs}`,
    advice: (c) => `The ${c.remote} repository denies non-fast-forward pushes; allow force pushes there to use \`force: true\`.`,
  },
  {
    code: "auth_failed",
    pattern: /HTTP Basic: Access denied|Authentication failed|could not read (Username|Password)|returned error: 40[13]\b|Invalid username or password|Permission to \S+ denied/i,
    message: (c) => `${c.remote} did not accept mirror-bot's credentials (${c.verb})`,
    advice: (c) =>
      c.remote === "GitLab"
        ? "Check that the GitLab token is valid, not expired, and has the `write_repository` scope with at least Developer role on the project."
        : "Check that the app is installed on this repository with **Contents** read access.",
  },
  {
    code: (context) => (context.remote === "GitHub" ? "github_repo_not_found" : "gitlab_project_not_found"),
    pattern: /returned error: 404\b|Repository not found|repository '[^'\n]*' not found|project you were looking for could not be found|does not appear to be a git repository/i,
    message: (c) => `${c.remote} says the repository does not exist`,
    advice: (c) =>
      c.remote === "GitLab"
        ? "Create the GitLab project, or fix its path in `.mirror.yml`; the token must be able to see it."
        : "Check that the app is installed on this repository and that it still exists.",
  },
  {
    code: "transient",
    pattern:
      /returned error: (5\d\d|429)\b|RPC failed|early EOF|Could not resolve host|Connection refused|Connection reset|Operation timed out|Connection timed out|remote end hung up unexpectedly|unexpected disconnect|Empty reply from server|gnutls_handshake|SSL_ERROR|HTTP\/2 stream/i,
    message: (c) => `A network or server error interrupted ${c.verb} (${c.remote})`,
    advice: () => "This is usually temporary; the sync is retried.",
  },
];

const VERBS: Record<GitFailureContext["operation"], string> = {
  fetch: "fetch",
  "ls-remote": "list refs",
  push: "push",
  local: "run git",
};

export function classifyGitError(error: unknown, context: GitFailureContext): MirrorError {
  if (error instanceof MirrorError) return error;
  const described: Described = {
    remote: context.remote ?? "git",
    verb: VERBS[context.operation],
    refs: context.refs?.length ? ` ${summarizeRefs(context.refs)}` : "",
  };
  if (error instanceof GitPluginError && error.plugin === "timeout") {
    const what = context.remote ? `to ${described.verb} (${context.remote})` : "in the local cache";
    return new MirrorError("timeout", `git took too long ${what} and was stopped`, {
      advice: "The repository may be very large or the server slow; the sync is retried.",
    });
  }
  const text = redact(error instanceof Error ? error.message : String(error));
  const cause = new Error(text); // the redacted text only: the original may hold argv or headers
  for (const rule of RULES) {
    if (!rule.pattern.test(text)) continue;
    const code = typeof rule.code === "function" ? rule.code(context) : rule.code;
    return new MirrorError(code, rule.message(described), { advice: rule.advice(described), cause, retryable: rule.retryable });
  }
  const where = context.remote ? `git ${context.operation} failed (${context.remote})` : "git failed in the local cache";
  return new MirrorError("git_failed", `${where}: ${firstErrorLine(text)}`, {
    advice: "Re-run the check. If it fails again, the message above is git's own; report it to the app's operator.",
    cause,
  });
}

function summarizeRefs(refs: string[]): string {
  const shown = refs.slice(0, 3).join(", ");
  return refs.length > 3 ? `${shown} and ${refs.length - 3} more` : shown;
}

/**
 * git's most telling line: the first fatal/error/remote message, trimmed to one short line.
 * Progress lines (`--progress`, also relayed as `remote:`) never say why, and are skipped.
 */
function firstErrorLine(text: string): string {
  const lines = text
    .split(/[\r\n]/)
    .map((line) => line.trim())
    .filter((line) => line && !PROGRESS_LINE.test(line));
  const line = lines.find((l) => /^(fatal|error|remote):/i.test(l)) ?? lines[0] ?? "no output";
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}
