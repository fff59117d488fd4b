/**
 * The only code that imports @gitbeaker/rest. Answers are reduced to the few fields mirror-bot
 * uses, and every failure becomes a MirrorError that says what to fix.
 */
import { Gitlab } from "@gitbeaker/rest";
import { MirrorError } from "../errors.js";
import { redact, registerSecret } from "../secrets.js";
import { retryingRequesterFn, type RequesterPolicy } from "./requester.js";

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
  /** The project, from the cache (PROJECT_TTL_MS) unless `fresh`: GitLab is asked, and the cache updated. */
  showProject(idOrPath: string | number, options?: { fresh?: boolean }): Promise<GitLabProject>;
  /** Forgets a cached project (after a sync against it failed). */
  forgetProject(idOrPath: string | number): void;
  /** A commit status (a CI job to GitLab); description and link are redacted, the description clipped. */
  setCommitStatus(projectId: number, sha: string, status: GitLabCommitStatus): Promise<void>;
  /** Creates the project hook for `url`, or updates the one already there: never a duplicate. */
  ensureProjectHook(projectId: number, hook: { url: string; token: string }): Promise<"created" | "updated">;
  /** Deletes the project's hooks with this URL (DELETE /projects/:id/hooks/:hook_id); answers how many. */
  removeProjectHooks(project: number | string, url: string): Promise<number>;
  /** Creates `namespace/path` (the namespace must exist) with this visibility (`create: true`). */
  createProject(fullPath: string, options: { visibility: GitLabProject["visibility"] }): Promise<GitLabProject>;
  /** The token's scopes and expiry (GET /personal_access_tokens/self), cached for a while. */
  tokenInfo(): Promise<GitLabTokenInfo>;
  /** The project's protected branch rules (GET /projects/:id/protected_branches), cached briefly. */
  protectedBranches?(projectId: number): Promise<GitLabProtectedBranch[]>;
}

export interface GitLabProtectedBranch {
  /** A branch name or a wildcard such as `release/*`. */
  name: string;
  allowForcePush: boolean;
}

/** Short: a rule changed in GitLab's settings is honoured on the next sync but one at the latest. */
const PROTECTED_BRANCHES_TTL_MS = 30 * 1000;
/**
 * Projects are looked up on every sync (the clone URL, namespace and visibility for the policy);
 * the cache takes that API round trip off the pushes of a warm repository. An entry is at most
 * this old; any 401, 403 or 404 about the project drops it, and so does a failed sync (runHalf),
 * so a moved or deleted project is looked up afresh. A project found under another path than the
 * one asked for has moved (GitLab redirects the old path) and is not cached. Before a deletion or
 * a forced update, the push half asks again regardless (`fresh`), because the access policy
 * reads the namespace and visibility.
 */
export const PROJECT_TTL_MS = 5 * 60 * 1000;

export interface GitLabTokenInfo {
  name: string;
  scopes: string[];
  /** YYYY-MM-DD, or null for a token that never expires. */
  expiresAt: string | null;
  active: boolean;
}

const TOKEN_INFO_TTL_MS = 10 * 60 * 1000;

export interface GitLabCommitStatus {
  state: "pending" | "running" | "success" | "failed" | "canceled";
  name: string;
  description: string;
  targetUrl?: string;
  ref?: string;
}

const MAX_STATUS_DESCRIPTION = 255;

const NEEDED_SCOPES = "`api` and `write_repository`";

export function createGitLabClient({ url, token, retry }: { url: string; token: string | undefined; retry?: RequesterPolicy }): GitLabClient {
  registerSecret(token, "long-lived");
  // Our requester: 429 waits what Retry-After says, 5xx and network errors back off (requester.ts).
  const api = new Gitlab({ host: url, token: token ?? "", requesterFn: retryingRequesterFn(retry ?? { attempts: 4, baseMs: 1000 }) });
  const projects = new Map<string, { project: GitLabProject; until: number }>();
  const rememberProject = (idOrPath: string | number, project: GitLabProject): GitLabProject => {
    const moved = typeof idOrPath === "string" && project.pathWithNamespace.toLowerCase() !== idOrPath.toLowerCase();
    if (moved) projects.delete(idOrPath.toLowerCase());
    else projects.set(String(idOrPath).toLowerCase(), { project, until: Date.now() + PROJECT_TTL_MS });
    return project;
  };
  let tokenInfo: { at: number; value: Promise<GitLabTokenInfo> } | undefined;
  const protectedBranches = new Map<number, { at: number; value: Promise<GitLabProtectedBranch[]> }>();
  return {
    url,
    async createProject(fullPath, { visibility }) {
      if (!token) throw missingToken(url);
      const slash = fullPath.lastIndexOf("/");
      const namespacePath = fullPath.slice(0, slash);
      const projectPath = fullPath.slice(slash + 1);
      try {
        const namespace = await api.Namespaces.show(namespacePath);
        const project = await api.Projects.create({ name: projectPath, path: projectPath, namespaceId: namespace.id, visibility });
        return projectInfo(project);
      } catch (error) {
        throw toGitLabError(error, `GitLab namespace ${namespacePath}`, url);
      }
    },
    tokenInfo() {
      if (!token) return Promise.reject(missingToken(url));
      // Cached: asked once per TOKEN_INFO_TTL_MS, not on every sync.
      if (!tokenInfo || Date.now() - tokenInfo.at > TOKEN_INFO_TTL_MS) {
        const value = api.PersonalAccessTokens.show()
          .then((t) => ({
            name: String(t.name ?? ""),
            scopes: (t.scopes as string[] | undefined) ?? [],
            expiresAt: (t.expires_at as string | null | undefined) ?? null,
            active: t.active !== false && t.revoked !== true,
          }))
          .catch((error) => {
            tokenInfo = undefined;
            throw toGitLabError(error, "the token's own details", url);
          });
        tokenInfo = { at: Date.now(), value };
      }
      return tokenInfo.value;
    },
    protectedBranches(projectId) {
      if (!token) return Promise.reject(missingToken(url));
      const cached = protectedBranches.get(projectId);
      if (cached && Date.now() - cached.at <= PROTECTED_BRANCHES_TTL_MS) return cached.value;
      const value = api.ProtectedBranches.all(projectId, { perPage: 100 })
        .then((rules) => rules.map((r) => ({ name: String(r.name), allowForcePush: r.allow_force_push === true })))
        .catch((error) => {
          protectedBranches.delete(projectId);
          throw toGitLabError(error, `the protected branches of project ${projectId}`, url);
        });
      protectedBranches.set(projectId, { at: Date.now(), value });
      return value;
    },
    forgetProject(idOrPath) {
      projects.delete(String(idOrPath).toLowerCase());
    },
    async showProject(idOrPath, options = {}) {
      if (!token) throw missingToken(url);
      const cached = projects.get(String(idOrPath).toLowerCase());
      if (cached && cached.until > Date.now() && !options.fresh) return cached.project;
      try {
        const project = await api.Projects.show(idOrPath);
        return rememberProject(idOrPath, projectInfo(project));
      } catch (error) {
        projects.delete(String(idOrPath).toLowerCase());
        throw toGitLabError(error, `GitLab project ${idOrPath}`, url);
      }
    },
    async setCommitStatus(projectId, sha, status) {
      if (!token) throw missingToken(url);
      const description = redact(status.description).split("\n")[0] ?? "";
      try {
        await api.Commits.editStatus(projectId, sha, status.state, {
          name: status.name,
          description: description.length > MAX_STATUS_DESCRIPTION ? `${description.slice(0, MAX_STATUS_DESCRIPTION - 1)}…` : description,
          ...(status.targetUrl ? { targetUrl: redact(status.targetUrl) } : {}),
          ...(status.ref ? { ref: status.ref } : {}),
        });
      } catch (error) {
        throw toGitLabError(error, `the commit status of ${sha.slice(0, 7)} in project ${projectId}`, url);
      }
    },
    async ensureProjectHook(projectId, hook) {
      if (!token) throw missingToken(url);
      registerSecret(hook.token, "long-lived");
      const options = { pushEvents: true, tagPushEvents: true, enableSslVerification: hook.url.startsWith("https:"), token: hook.token };
      try {
        const hooks = await api.ProjectHooks.all(projectId, { perPage: 100 });
        const existing = hooks.find((h) => h.url === hook.url);
        if (existing) {
          await api.ProjectHooks.edit(projectId, existing.id, hook.url, options);
          return "updated";
        }
        await api.ProjectHooks.add(projectId, hook.url, options);
        return "created";
      } catch (error) {
        throw toGitLabError(error, `the webhooks of project ${projectId}`, url);
      }
    },
    async removeProjectHooks(project, hookUrl) {
      if (!token) throw missingToken(url);
      try {
        const ours = (await api.ProjectHooks.all(project, { perPage: 100 })).filter((h) => h.url === hookUrl);
        for (const hook of ours) await api.ProjectHooks.remove(project, hook.id);
        return ours.length;
      } catch (error) {
        throw toGitLabError(error, `the webhooks of project ${project}`, url);
      }
    },
  };
}

/** The fields mirror-bot uses from GitLab's project payload (show and create answer the same shape). */
function projectInfo(project: {
  id: number;
  path_with_namespace: string;
  http_url_to_repo: string;
  web_url: string;
  visibility: GitLabProject["visibility"];
  default_branch?: string | null;
}): GitLabProject {
  return {
    id: project.id,
    pathWithNamespace: project.path_with_namespace,
    httpUrlToRepo: project.http_url_to_repo,
    webUrl: project.web_url,
    visibility: project.visibility,
    defaultBranch: project.default_branch ?? null,
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
      advice:
        `mirror-bot's GitLab token is expired, revoked or wrong: GitLab answers 401 to all three alike. ` +
        `To renew it, the app's operator creates a new access token in GitLab (the bot user's, project's or group's ` +
        `**Settings → Access tokens**) with the ${NEEDED_SCOPES} scopes and at least the Developer role, sets \`GITLAB_TOKEN\` to it and restarts mirror-bot.`,
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
