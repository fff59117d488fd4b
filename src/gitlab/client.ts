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
  /**
   * A commit status (a CI job to GitLab); description and link are redacted, the description clipped.
   * Answers what GitLab did: `set`; `no-commit` (GitLab lacks the commit, or it is on no branch);
   * `refused` (the job's state machine does not allow that move, e.g. running → pending: a 400 that
   * only means "keep what is there"). A 403 (the token lacks the Developer role) throws gitlab_forbidden.
   */
  setCommitStatus(projectId: number, sha: string, status: GitLabCommitStatus): Promise<CommitStatusWrite>;
  /** The newest status with this name on the commit (GET .../commits/:sha/statuses?name=), null if none; `no-commit` when GitLab lacks the commit. */
  latestCommitStatus(projectId: number, sha: string, name: string): Promise<GitLabCommitStatusRecord | null | "no-commit">;
  /**
   * Creates the project hook for `url`, or updates the one already there: never a duplicate. An
   * update only adds events (another mirror of the project may need the ones it has).
   */
  ensureProjectHook(projectId: number, hook: { url: string; token: string; events?: HookEvents }): Promise<"created" | "updated">;
  /** Deletes the project's hooks with this URL (DELETE /projects/:id/hooks/:hook_id); answers how many. */
  removeProjectHooks(project: number | string, url: string): Promise<number>;
  /** Creates `namespace/path` (the namespace must exist) with this visibility (`create: true`). */
  createProject(fullPath: string, options: { visibility: GitLabProject["visibility"] }): Promise<GitLabProject>;
  /** The token's scopes and expiry (GET /personal_access_tokens/self), cached for a while. */
  tokenInfo(): Promise<GitLabTokenInfo>;
  /** The project's protected branch rules (GET /projects/:id/protected_branches), cached briefly. */
  protectedBranches?(projectId: number): Promise<GitLabProtectedBranch[]>;
  /** GET /projects/:id/pipelines/:pipeline_id. */
  pipeline(projectId: number | string, pipelineId: number): Promise<GitLabPipeline>;
  /** The pipeline's current jobs, retried ones left out (GET /projects/:id/pipelines/:pipeline_id/jobs, every page). */
  pipelineJobs(projectId: number | string, pipelineId: number): Promise<GitLabJob[]>;
  /** A job's log as plain text (GET /projects/:id/jobs/:job_id/trace). */
  jobLog(projectId: number | string, jobId: number): Promise<string>;
  /** Pipelines of a commit, or updated since a time (GET /projects/:id/pipelines), newest first, at most 100. */
  pipelines(projectId: number | string, filter: { sha?: string; updatedAfter?: Date }): Promise<GitLabPipeline[]>;
  /** POST /projects/:id/pipelines/:pipeline_id/retry: its failed and canceled jobs run again, under the same id. */
  retryPipeline(projectId: number | string, pipelineId: number): Promise<GitLabPipeline>;
  /** POST /projects/:id/pipelines/:pipeline_id/cancel. */
  cancelPipeline(projectId: number | string, pipelineId: number): Promise<GitLabPipeline>;
}

/** What a project hook subscribes to; absent: push and tag push events only. */
export interface HookEvents {
  /** Push and Tag Push events (pull and both mirrors). */
  push: boolean;
  /** Pipeline and Job events (mirrors reporting pipelines). */
  pipelines: boolean;
}

/** The fields mirror-bot uses from GitLab's pipeline object. */
export interface GitLabPipeline {
  id: number;
  projectId: number;
  sha: string;
  ref: string;
  /** created, waiting_for_resource, preparing, pending, running, success, failed, canceled, skipped, manual, scheduled. */
  status: string;
  /** push, merge_request_event, web, schedule, external, ... */
  source: string;
  /** The pipeline's `workflow: name:`, when it has one. */
  name: string | null;
  webUrl: string;
  createdAt: string;
  updatedAt: string | null;
}

/** The fields mirror-bot uses from GitLab's job object. */
export interface GitLabJob {
  id: number;
  name: string;
  stage: string;
  status: string;
  allowFailure: boolean;
  webUrl: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Seconds. */
  duration: number | null;
  failureReason: string | null;
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

export type CommitStatusWrite = { outcome: "set" } | { outcome: "no-commit" | "refused"; message: string };

export interface GitLabCommitStatusRecord {
  id: number;
  state: string;
  name: string;
  targetUrl: string | null;
}

const MAX_STATUS_DESCRIPTION = 255;
/** GitLab's 404s that mean "this commit", not "this project": the status API needs a commit on a branch. */
const COMMIT_MISSING = /^404 (Commit|References for commit) Not Found/;
/** The 400 GitLab answers when a status's job cannot make that move (running → pending, running → running). */
const TRANSITION_REFUSED = /Cannot transition status/;

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
  /** One API call: refused without a token, and any failure said in terms of `what` it was reading or writing. */
  const call = async <T>(what: string, request: () => Promise<T>): Promise<T> => {
    if (!token) throw missingToken(url);
    try {
      return await request();
    } catch (error) {
      throw toGitLabError(error, what, url);
    }
  };
  let tokenInfo: { at: number; value: Promise<GitLabTokenInfo> } | undefined;
  const protectedBranches = new Map<number, { at: number; value: Promise<GitLabProtectedBranch[]> }>();
  return {
    url,
    createProject(fullPath, { visibility }) {
      const slash = fullPath.lastIndexOf("/");
      const namespacePath = fullPath.slice(0, slash);
      const projectPath = fullPath.slice(slash + 1);
      return call(`GitLab namespace ${namespacePath}`, async () => {
        const namespace = await api.Namespaces.show(namespacePath);
        return projectInfo(await api.Projects.create({ name: projectPath, path: projectPath, namespaceId: namespace.id, visibility }));
      });
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
        return { outcome: "set" };
      } catch (error) {
        const message = descriptionOf(error);
        if (statusOf(error) === 404 && COMMIT_MISSING.test(message)) return { outcome: "no-commit", message };
        if (statusOf(error) === 400 && TRANSITION_REFUSED.test(message)) return { outcome: "refused", message };
        throw statusWriteError(error, `the commit status of ${sha.slice(0, 7)} in project ${projectId}`, url);
      }
    },
    async latestCommitStatus(projectId, sha, name) {
      if (!token) throw missingToken(url);
      try {
        const statuses = await api.Commits.allStatuses(projectId, sha, { name });
        const newest = statuses.filter((s) => s.name === name).sort((a, b) => b.id - a.id)[0];
        return newest ? { id: newest.id, state: String(newest.status), name: newest.name, targetUrl: (newest.target_url as string | null | undefined) ?? null } : null;
      } catch (error) {
        if (statusOf(error) === 404 && COMMIT_MISSING.test(descriptionOf(error))) return "no-commit";
        throw toGitLabError(error, `the commit statuses of ${sha.slice(0, 7)} in project ${projectId}`, url);
      }
    },
    async ensureProjectHook(projectId, hook) {
      registerSecret(hook.token, "long-lived");
      const events = hook.events ?? { push: true, pipelines: false };
      const options = (had: { push_events?: unknown; tag_push_events?: unknown; pipeline_events?: unknown; job_events?: unknown } = {}) => ({
        pushEvents: events.push || had.push_events === true,
        tagPushEvents: events.push || had.tag_push_events === true,
        pipelineEvents: events.pipelines || had.pipeline_events === true,
        jobEvents: events.pipelines || had.job_events === true,
        enableSslVerification: hook.url.startsWith("https:"),
        token: hook.token,
      });
      return call(`the webhooks of project ${projectId}`, async () => {
        const hooks = await api.ProjectHooks.all(projectId, { perPage: 100 });
        const existing = hooks.find((h) => h.url === hook.url);
        if (existing) {
          await api.ProjectHooks.edit(projectId, existing.id, hook.url, options(existing as Record<string, unknown>));
          return "updated" as const;
        }
        await api.ProjectHooks.add(projectId, hook.url, options());
        return "created" as const;
      });
    },
    pipeline: (projectId, pipelineId) =>
      call(`pipeline ${pipelineId} of project ${projectId}`, async () => pipelineInfo(projectId, (await api.Pipelines.show(projectId, pipelineId)) as unknown as RawPipeline)),
    pipelineJobs: (projectId, pipelineId) =>
      call(`the jobs of pipeline ${pipelineId} of project ${projectId}`, async () =>
        ((await api.Jobs.all(projectId, { pipelineId, perPage: 100 })) as unknown as RawJob[]).map(jobInfo),
      ),
    jobLog: (projectId, jobId) =>
      call(`the log of job ${jobId} of project ${projectId}`, async () => {
        const log: unknown = await api.Jobs.showLog(projectId, jobId);
        return typeof log === "string" ? log : log instanceof Blob ? await log.text() : String(log ?? "");
      }),
    pipelines: (projectId, { sha, updatedAfter }) =>
      call(`the pipelines of project ${projectId}`, async () => {
        const list = (await api.Pipelines.all(projectId, {
          ...(sha ? { sha } : {}),
          ...(updatedAfter ? { updatedAfter: updatedAfter.toISOString() } : {}),
          orderBy: "updated_at",
          sort: "desc",
          perPage: 100,
          maxPages: 1,
        })) as unknown as RawPipeline[];
        return list.map((p) => pipelineInfo(projectId, p));
      }),
    retryPipeline: (projectId, pipelineId) =>
      call(`pipeline ${pipelineId} of project ${projectId}`, async () => pipelineInfo(projectId, (await api.Pipelines.retry(projectId, pipelineId)) as unknown as RawPipeline)),
    cancelPipeline: (projectId, pipelineId) =>
      call(`pipeline ${pipelineId} of project ${projectId}`, async () => pipelineInfo(projectId, (await api.Pipelines.cancel(projectId, pipelineId)) as unknown as RawPipeline)),
    removeProjectHooks: (project, hookUrl) =>
      call(`the webhooks of project ${project}`, async () => {
        const ours = (await api.ProjectHooks.all(project, { perPage: 100 })).filter((h) => h.url === hookUrl);
        for (const hook of ours) await api.ProjectHooks.remove(project, hook.id);
        return ours.length;
      }),
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

interface RawPipeline {
  id: number;
  project_id?: number;
  sha: string;
  ref: string;
  status: string;
  source?: string;
  name?: string | null;
  web_url: string;
  created_at: string;
  updated_at?: string | null;
}

function pipelineInfo(projectId: number | string, p: RawPipeline): GitLabPipeline {
  return {
    id: p.id,
    projectId: p.project_id ?? Number(projectId),
    sha: p.sha,
    ref: p.ref,
    status: p.status,
    source: p.source ?? "push",
    name: p.name ?? null,
    webUrl: p.web_url,
    createdAt: p.created_at,
    updatedAt: p.updated_at ?? null,
  };
}

interface RawJob {
  id: number;
  name: string;
  stage: string;
  status: string;
  allow_failure?: boolean;
  web_url: string;
  started_at?: string | null;
  finished_at?: string | null;
  duration?: number | null;
  failure_reason?: string | null;
}

function jobInfo(j: RawJob): GitLabJob {
  return {
    id: j.id,
    name: j.name,
    stage: j.stage,
    status: j.status,
    allowFailure: j.allow_failure === true,
    webUrl: j.web_url,
    startedAt: j.started_at ?? null,
    finishedAt: j.finished_at ?? null,
    duration: typeof j.duration === "number" ? j.duration : null,
    failureReason: j.failure_reason ?? null,
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

function descriptionOf(error: unknown): string {
  const cause = (error as { cause?: { description?: unknown } }).cause;
  return typeof cause?.description === "string" ? cause.description : "";
}

/**
 * A status write's failure. 409 is GitLab's "Another update to this commit status is in
 * progress" (it could not take the commit's lock): nothing was written, so it is worth another try.
 */
function statusWriteError(error: unknown, what: string, url: string): MirrorError {
  if (statusOf(error) !== 409) return toGitLabError(error, what, url);
  return new MirrorError("transient", `GitLab at ${url} was busy updating ${what} (409)`, {
    advice: "This is usually temporary; mirror-bot retries on its own.",
    cause: error,
  });
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
