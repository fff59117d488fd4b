/**
 * The only code that imports @gitbeaker/rest. Answers are reduced to the few fields mirror-bot
 * uses, and every failure becomes a MirrorError that says what to fix.
 */
import { Gitlab } from "@gitbeaker/rest";
import { MirrorError } from "../errors.js";
import { registerSecret } from "../secrets.js";

export interface GitLabProject {
  id: number;
  pathWithNamespace: string;
  httpUrlToRepo: string;
  webUrl: string;
  visibility: "public" | "internal" | "private";
  defaultBranch: string | null;
}

export interface GitLabClient {
  readonly url: string;
  showProject(idOrPath: string | number): Promise<GitLabProject>;
}

const NEEDED_SCOPES = "`api` and `write_repository`";

export function createGitLabClient({ url, token }: { url: string; token: string | undefined }): GitLabClient {
  registerSecret(token);
  const api = new Gitlab({ host: url, token: token ?? "" });
  return {
    url,
    async showProject(idOrPath) {
      if (!token) throw missingToken(url);
      try {
        const project = await api.Projects.show(idOrPath);
        return {
          id: project.id,
          pathWithNamespace: project.path_with_namespace,
          httpUrlToRepo: project.http_url_to_repo,
          webUrl: project.web_url,
          visibility: project.visibility,
          defaultBranch: project.default_branch ?? null,
        };
      } catch (error) {
        throw toGitLabError(error, `GitLab project ${idOrPath}`, url);
      }
    },
  };
}

function missingToken(url: string): MirrorError {
  return new MirrorError("gitlab_unauthorized", `mirror-bot has no GitLab token for ${url}`, {
    advice: `The app's operator must set \`GITLAB_TOKEN\` to a token with the ${NEEDED_SCOPES} scopes.`,
  });
}

function statusOf(error: unknown): number | undefined {
  const cause = (error as { cause?: { response?: { status?: number } } }).cause;
  return cause?.response?.status;
}

function retryAfterOf(error: unknown): number | undefined {
  const cause = (error as { cause?: { response?: { headers?: Headers } } }).cause;
  const value = cause?.response?.headers?.get?.("retry-after");
  const seconds = value ? Number(value) : NaN;
  return Number.isFinite(seconds) ? seconds : undefined;
}

/** Maps a gitbeaker/fetch failure to the one vocabulary of failure. */
export function toGitLabError(error: unknown, what: string, url: string): MirrorError {
  const status = statusOf(error);
  const name = (error as { name?: string }).name ?? "";
  if (status === 404) {
    return new MirrorError("gitlab_project_not_found", `${what} was not found on ${url}`, {
      advice:
        `Check the \`gitlab:\` path in \`.mirror.yml\`, and that the token mirror-bot uses can see the project ` +
        `(it needs at least the Developer role, Maintainer to push to protected branches, and the ${NEEDED_SCOPES} scopes).`,
      cause: error,
    });
  }
  if (status === 401) {
    return new MirrorError("gitlab_unauthorized", `GitLab at ${url} rejected mirror-bot's token (401)`, {
      advice: `The token is missing, expired or revoked. The app's operator must set \`GITLAB_TOKEN\` to a valid token with the ${NEEDED_SCOPES} scopes.`,
      cause: error,
    });
  }
  if (status === 403) {
    return new MirrorError("gitlab_forbidden", `GitLab refused mirror-bot access to ${what} (403)`, {
      advice: `Give the token the ${NEEDED_SCOPES} scopes and at least the Developer role on the project.`,
      cause: error,
    });
  }
  if (status === 429 || (status !== undefined && status >= 500) || name === "GitbeakerRetryError" || name === "GitbeakerTimeoutError" || status === undefined) {
    const detail = status ? `answered ${status}` : "could not be reached";
    return new MirrorError("transient", `GitLab at ${url} ${detail}`, {
      advice: "This is usually temporary; mirror-bot retries on its own. Re-run the check if it persists.",
      retryAfterSeconds: retryAfterOf(error),
      cause: error,
    });
  }
  return new MirrorError("internal", `GitLab answered ${status} for ${what}`, { cause: error });
}
