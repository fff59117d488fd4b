/**
 * A fake GitLab on 127.0.0.1: the REST API under /api/v4 (what gitbeaker calls) and real git
 * smart HTTP under /<namespace>/<project>.git with token auth and scopes. Pushes to a project
 * with hooks are followed by Push Hook / Tag Push Hook deliveries, as on GitLab.
 */
import { mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import type { IncomingMessage } from "node:http";
import { createGitHttpHandler, type GitRequest } from "./git-http-backend.js";
import { CommitClock, listRefs } from "./git.js";
import { FakeServer, type Fault, type LoggedRequest } from "./http/fake-server.js";
import { Router } from "./http/router.js";
import { randomToken } from "./github/app-auth.js";
import { checkToken, gitAllowed } from "./gitlab/auth.js";
import { GITLAB_LFS_CHECK_ENV, LfsServer, lfsObjectPath, writeLfsObject, type LoggedBatch, type LfsAccess, type LfsSettings } from "./lfs-server.js";
import { buildGitLabPushEvent, type GitLabPushEventOptions } from "./gitlab/events.js";
import { hookRoutes } from "./gitlab/hook-routes.js";
import { projectRoutes } from "./gitlab/project-routes.js";
import { protectBranch, protectedBranchRoutes, unprotectBranch } from "./gitlab/protected-branch-routes.js";
import { createProjectRepo, ensureNamespace } from "./gitlab/projects.js";
import { deliverPushHooks, wantsPushHooks, type HookDelivery } from "./gitlab/push-hooks.js";
import { GitLabState, type HookRecord, type ProjectRecord, type StatusRecord } from "./gitlab/state.js";
import { statusRoutes } from "./gitlab/status-routes.js";
import { pipelineRoutes } from "./gitlab/pipeline-routes.js";
import { Pipelines, type JobSpec, type PipelineHookDelivery } from "./gitlab/pipelines.js";
import type { PipelineRecord } from "./gitlab/state.js";
import { deliverGitLabWebhook, type DeliveryResult } from "./webhook-delivery.js";
import { PushWatcher } from "./push-watcher.js";
import { WorkRepo, type CommitAndPushOptions, type PushResult } from "./work-repo.js";

export type { GitLabPushEventOptions, GitLabPushCommit } from "./gitlab/events.js";
export type { HookRecord, StatusRecord } from "./gitlab/state.js";
export type { HookDelivery } from "./gitlab/push-hooks.js";
export type { JobSpec, PipelineHookDelivery } from "./gitlab/pipelines.js";
export type { PipelineRecord, JobRecord } from "./gitlab/state.js";

export interface FakeGitLabOptions {
  /** Directory served over git HTTP: bare repositories at `<root>/<path>.git`. */
  root: string;
  /** Developer work repositories, kept outside `root`. Default `<root>-work`. */
  workRoot?: string;
  /** The default token (scope `api`); generated when absent. */
  token?: string;
  webhookSecret?: string;
  /** Every REST answer waits this long; git is never slowed. Default 0. */
  apiLatencyMs?: number;
  /**
   * GitLab's LFS integrity check on receive (a push whose new LFS pointers name objects the
   * project lacks is refused). Default on, as on GitLab; it costs a scan of each push's new objects.
   */
  lfsIntegrityCheck?: boolean;
}

export interface CreatedProject {
  id: number;
  path: string;
  httpUrl: string;
  bareDir: string;
}

export class FakeGitLab {
  readonly token: string;
  /** Secret for deliverGitLab's X-Gitlab-Token (the app's GITLAB_WEBHOOK_SECRET). */
  readonly webhookSecret: string;
  /** Push hooks sent after git pushes, in order; each entry is completed when its answer arrives. */
  readonly hookDeliveries: HookDelivery[] = [];
  readonly #root: string;
  readonly #workRoot: string;
  readonly #pushCounts = new Map<string, number>();
  readonly #pushes: PushWatcher;
  readonly #clock = new CommitClock();
  readonly #works = new Map<string, WorkRepo>();
  readonly #holds: Array<{ project: string; reached: () => void; released: Promise<void>; served: () => void }> = [];
  readonly #served = new WeakMap<GitRequest, () => void>();
  readonly #lfsSettings = new Map<string, LfsSettings>();
  readonly #lfsIntegrityCheck: boolean;
  #server!: FakeServer;
  #lfs!: LfsServer;
  #state!: GitLabState;
  #pipelines!: Pipelines;

  private constructor(options: FakeGitLabOptions) {
    this.#root = options.root;
    this.#workRoot = options.workRoot ?? `${options.root}-work`;
    this.token = options.token ?? randomToken("glpat-", 20);
    this.webhookSecret = options.webhookSecret ?? randomToken("glwhs-", 24);
    this.#lfsIntegrityCheck = options.lfsIntegrityCheck ?? true;
    this.#pushes = new PushWatcher({
      // Only projects with push hooks are watched: pushes stay cheap for benchmarks without hooks.
      watched: (repoPath) => {
        const project = this.#state.findProject(repoPath);
        return wantsPushHooks(project) ? project.bareDir : undefined;
      },
      onPush: (repoPath, changes, refs) => deliverPushHooks(this.#state, this.#project(repoPath), changes, refs, this.hookDeliveries, this.url),
      onError: (error) => this.#server.errors.push(error),
    });
  }

  static async start(options: FakeGitLabOptions): Promise<FakeGitLab> {
    const gitlab = new FakeGitLab(options);
    await gitlab.#listen(options.apiLatencyMs ?? 0);
    return gitlab;
  }

  async #listen(apiLatencyMs: number): Promise<void> {
    await mkdir(this.#root, { recursive: true });
    const lfs = (this.#lfs = new LfsServer({
      flavour: "gitlab",
      storeRoot: this.lfsStore,
      authorize: (repoPath, operation, password) => this.#authorizeLfs(repoPath, operation, password),
      settings: (repoPath) => this.#lfsSettingsOf(repoPath),
    }));
    const router = new Router();
    const git = createGitHttpHandler({
      root: this.#root,
      authorize: (request) => this.#authorizeGit(request),
      beforePush: async (request) => {
        this.#pushes.beforePush(request);
        await this.#holdIfAsked(request);
      },
      onPush: (request) => {
        this.#pushes.afterPush(request);
        this.#served.get(request)?.();
      },
      extraEnv: (request: GitRequest) => (this.#lfsIntegrityCheck ? this.#lfsCheckEnv(request.repoPath) : {}),
    });
    this.#server = new FakeServer({
      apiPrefix: "/api/v4",
      router,
      git: async (req, res) => (await lfs.handle(req, res, this.url)) || git(req, res),
      errorBody: (status) => (status === 404 ? { error: "404 Not Found" } : status === 401 ? { message: "401 Unauthorized" } : { message: `${status} ${statusText(status)}` }),
      apiHeaders: () => ({ "x-request-id": randomToken("", 26), "x-runtime": "0.010000" }),
      onRequest: (req, requestPath) => this.#countPush(req, requestPath),
      apiLatencyMs,
    });
    const web = await this.#server.listen();
    this.#state = new GitLabState({ web, api: `${web}/api/v4`, host: web.replace(/^http:\/\//, "") });
    this.addToken(this.token, { scopes: ["api"], name: "mirror-bot" });
    projectRoutes(router, this.#state, this.#root);
    hookRoutes(router, this.#state);
    this.#pipelines = new Pipelines(this.#state, () => this.url);
    statusRoutes(router, this.#state, this.#pipelines);
    pipelineRoutes(router, this.#state, this.#pipelines);
    protectedBranchRoutes(router, this.#state);
  }

  get url(): string {
    return this.#server.url;
  }
  get apiUrl(): string {
    return `${this.url}/api/v4`;
  }
  /** How long every REST answer waits, in ms (see FakeServer.apiLatencyMs); settable at any time. */
  get apiLatencyMs(): number {
    return this.#server.apiLatencyMs;
  }
  set apiLatencyMs(ms: number) {
    this.#server.apiLatencyMs = ms;
  }
  get requests(): LoggedRequest[] {
    return this.#server.requests;
  }
  get errors(): Error[] {
    return this.#server.errors;
  }
  /** API requests no route of the fake matched, e.g. "GET /api/v3/repos/o/r/compare/a...b". */
  get unmatchedRequests(): string[] {
    return this.#server.unmatched;
  }
  resetRequests(): void {
    this.#server.resetRequests();
  }
  /** Fail the next matching API or git request(s), e.g. `{ path: /git-receive-pack$/, status: 500 }`. */
  failNext(fault: Fault): void {
    this.#server.failNext(fault);
  }
  clearFaults(): void {
    this.#server.clearFaults();
  }

  /** Register another personal access token, e.g. `addToken("t", { scopes: ["read_api"] })`. */
  addToken(
    token: string,
    { scopes, expiresAt = null, name = "sandbox", revoked = false }: { scopes: string[]; expiresAt?: string | null; name?: string; revoked?: boolean },
  ): void {
    this.#state.tokens.set(token, {
      id: this.#state.nextId("token"),
      name,
      token,
      scopes,
      expiresAt,
      revoked,
      createdAt: new Date().toISOString(),
    });
  }

  revokeToken(token: string): void {
    const record = this.#state.tokens.get(token);
    if (record) record.revoked = true;
  }

  /** Create a project at `group/sub/name` (groups are created as needed). */
  async createProject({
    path: fullPath,
    visibility = "private",
    defaultBranch = "main",
    name,
  }: {
    path: string;
    visibility?: ProjectRecord["visibility"];
    defaultBranch?: string;
    name?: string;
  }): Promise<CreatedProject> {
    const parts = fullPath.split("/");
    if (parts.length < 2) throw new Error(`project path needs a namespace: ${fullPath}`);
    const namespace = ensureNamespace(this.#state, parts.slice(0, -1).join("/"));
    const projectPath = parts[parts.length - 1]!;
    const project = await createProjectRepo(this.#state, this.#root, { namespace, path: projectPath, name: name ?? projectPath, visibility, defaultBranch });
    return { id: project.id, path: project.pathWithNamespace, httpUrl: `${this.url}/${project.pathWithNamespace}.git`, bareDir: project.bareDir };
  }

  /**
   * Move (transfer or rename) a project to `to`, as a maintainer in GitLab's settings would: its
   * id stays, the API still finds it by its old path (GitLab keeps a redirect route), and its
   * repository is at the new path. (GitLab also redirects git requests to the old path; this fake
   * answers them 404, as GitLab does once the old path is taken.)
   */
  async moveProject(from: string, to: string): Promise<void> {
    const project = this.#project(from);
    const parts = to.split("/");
    const namespace = ensureNamespace(this.#state, parts.slice(0, -1).join("/"));
    const bareDir = path.join(this.#root, `${to}.git`);
    await mkdir(path.dirname(bareDir), { recursive: true });
    await rename(project.bareDir, bareDir);
    this.#state.projects.delete(project.pathWithNamespace.toLowerCase());
    this.#state.redirects.set(project.pathWithNamespace.toLowerCase(), project);
    Object.assign(project, { namespace, path: parts[parts.length - 1]!, pathWithNamespace: to, bareDir });
    this.#state.projects.set(to.toLowerCase(), project);
  }

  /** Delete a project (its repository, hooks and redirects go with it), as GitLab does. */
  async deleteProject(projectPath: string): Promise<void> {
    const project = this.#project(projectPath);
    this.#state.projects.delete(project.pathWithNamespace.toLowerCase());
    for (const [old, target] of this.#state.redirects) if (target === project) this.#state.redirects.delete(old);
    await rm(project.bareDir, { recursive: true, force: true });
  }

  /** Create a group (and its parents) without a project, e.g. for `create: true` tests. */
  createGroup(fullPath: string): { id: number; fullPath: string } {
    const ns = ensureNamespace(this.#state, fullPath);
    return { id: ns.id, fullPath: ns.fullPath };
  }

  /** Protect a branch (or wildcard): force pushes and deletions then fail with GitLab's messages. */
  async protectBranch(projectPath: string, branch: string, { allowForcePush = false } = {}): Promise<void> {
    await protectBranch(this.#state, this.#project(projectPath), branch, allowForcePush);
  }

  async unprotectBranch(projectPath: string, branch: string): Promise<void> {
    await unprotectBranch(this.#project(projectPath), branch);
  }

  #project(idOrPath: string): ProjectRecord {
    const project = this.#state.findProject(idOrPath);
    if (!project) throw new Error(`no project ${idOrPath} in the fake GitLab`);
    return project;
  }

  /**
   * Hold the next push (git-receive-pack POST) to this project before git sees it, e.g. to kill
   * the pushing process mid-push. `reached` resolves when the push arrived, `release()` lets it
   * through, and `served` resolves once git has answered it (whether or not the client is gone).
   */
  holdNextPush(projectPath: string): { reached: Promise<void>; release(): void; served: Promise<void> } {
    let reached!: () => void;
    let release!: () => void;
    let served!: () => void;
    const reachedP = new Promise<void>((resolve) => (reached = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    const servedP = new Promise<void>((resolve) => (served = resolve));
    this.#holds.push({ project: projectPath.toLowerCase(), reached, released, served });
    return { reached: reachedP, release, served: servedP };
  }

  async #holdIfAsked(request: GitRequest): Promise<void> {
    const index = this.#holds.findIndex((h) => h.project === request.repoPath.toLowerCase());
    if (index < 0) return;
    const [hold] = this.#holds.splice(index, 1);
    this.#served.set(request, hold!.served);
    hold!.reached();
    await hold!.released;
  }

  /** Every LFS batch request's body, in order. */
  get lfsBatches(): LoggedBatch[] {
    return this.#lfs.batches;
  }

  /** Where the fake keeps LFS objects: `<lfsStore>/<project path>/<aa>/<bb>/<oid>`. */
  get lfsStore(): string {
    return `${this.#root}-lfs`;
  }

  /** Turn LFS off for a project (`enabled: false`) or give it a size limit for what one push adds. */
  setLfs(projectPath: string, settings: Partial<LfsSettings>): void {
    const key = this.#project(projectPath).pathWithNamespace.toLowerCase();
    this.#lfsSettings.set(key, { ...this.#lfsSettingsOf(key), ...settings });
  }

  /** The file of an LFS object of the project (it may not exist). */
  lfsObjectPath(projectPath: string, oid: string): string {
    return lfsObjectPath(this.lfsStore, this.#project(projectPath).pathWithNamespace, oid);
  }

  /** Store an LFS object in the project as if it had been uploaded (streamed, e.g. generated content). */
  writeLfsObject(projectPath: string, content: AsyncIterable<Buffer> | NodeJS.ReadableStream): Promise<{ oid: string; size: number }> {
    return writeLfsObject(this.lfsStore, this.#project(projectPath).pathWithNamespace, content);
  }

  #lfsSettingsOf(repoPath: string): LfsSettings {
    return this.#lfsSettings.get(repoPath.toLowerCase()) ?? { enabled: true };
  }

  #lfsCheckEnv(repoPath: string): Record<string, string> {
    const project = this.#state.findProject(repoPath);
    if (!project || !this.#lfsSettingsOf(project.pathWithNamespace).enabled) return {}; // GitLab checks only projects with LFS on
    return { [GITLAB_LFS_CHECK_ENV]: path.join(this.lfsStore, project.pathWithNamespace.toLowerCase()) };
  }

  /** The same rules as git's: read with read_repository (or a public project), write with write_repository. */
  #authorizeLfs(repoPath: string, operation: "download" | "upload", password: string | undefined): LfsAccess {
    const project = this.#state.findProject(repoPath);
    if (!project) return "not-found";
    if (gitAllowed(this.#state, password, operation === "upload" ? "receive-pack" : "upload-pack", project.visibility === "public")) return "ok";
    return password === undefined || typeof checkToken(this.#state, password) === "string" ? "unauthorized" : "forbidden";
  }

  /** Branches and tags of the project's bare repository: ref name → sha. */
  refs(projectPath: string): Promise<Map<string, string>> {
    return listRefs(this.#project(projectPath).bareDir);
  }

  /** How many git-receive-pack POSTs (push attempts, failed ones included) reached this project. */
  pushCount(projectPath: string): number {
    return this.#pushCounts.get(projectPath.toLowerCase()) ?? 0;
  }

  /** Hooks with their secret tokens (which the API never returns). */
  hooks(projectPath: string): HookRecord[] {
    return this.#project(projectPath).hooks;
  }

  statuses(projectPath: string): StatusRecord[] {
    return this.#project(projectPath).statuses;
  }

  /** A "Push Hook" (branch) or "Tag Push Hook" (tag) payload for this project. */
  gitlabPushEvent(projectPath: string, options: GitLabPushEventOptions): Record<string, unknown> {
    return buildGitLabPushEvent(this.#state, this.#project(projectPath), options);
  }

  /** Send a GitLab webhook with X-Gitlab-Event / -Token / -Event-UUID (token: the webhook secret). */
  deliverGitLab(url: string, eventName: string, payload: unknown, options: { token?: string; eventUuid?: string } = {}): Promise<DeliveryResult> {
    return deliverGitLabWebhook(url, eventName, payload, { token: this.webhookSecret, instanceUrl: this.url, ...options });
  }

  /** Wait until every hook delivery caused by earlier pushes, pipelines and statuses has been answered. */
  async settled(): Promise<void> {
    await this.#pushes.settled();
    await this.#pipelines?.settled();
  }

  /**
   * A pipeline for a commit, as GitLab makes one for a push of a project with a `.gitlab-ci.yml`
   * (`jobs` stand for that file): created, its first stage pending, Pipeline and Job hooks sent.
   */
  createPipeline(projectPath: string, options: { sha: string; ref: string; jobs: JobSpec[]; name?: string; source?: string }): PipelineRecord {
    return this.#pipelines.create(this.#project(projectPath), options);
  }

  /** Runs a pipeline's waiting jobs to these outcomes (default success), stage by stage; resolves once its hooks were answered. */
  runPipeline(projectPath: string, pipelineId: number, outcomes: Record<string, "success" | "failed"> = {}): Promise<void> {
    return this.#pipelines.run(this.#project(projectPath), this.pipeline(projectPath, pipelineId), outcomes);
  }

  pipeline(projectPath: string, pipelineId: number): PipelineRecord {
    const found = this.#project(projectPath).pipelines.find((p) => p.id === pipelineId);
    if (!found) throw new Error(`no pipeline ${pipelineId} in ${projectPath}`);
    return found;
  }

  pipelines(projectPath: string): PipelineRecord[] {
    return this.#project(projectPath).pipelines;
  }

  /** A "Pipeline Hook" payload of the pipeline as it is now (to deliver late, twice, or out of order). */
  pipelineHookPayload(projectPath: string, pipelineId: number): Record<string, unknown> {
    return this.#pipelines.pipelineHook(this.#project(projectPath), this.pipeline(projectPath, pipelineId));
  }

  /** A "Job Hook" payload of the pipeline's latest job with this name, as it is now. */
  jobHookPayload(projectPath: string, pipelineId: number, jobName: string): Record<string, unknown> {
    const pipeline = this.pipeline(projectPath, pipelineId);
    const job = pipeline.jobs.filter((j) => j.name === jobName && !j.retried).pop();
    if (!job) throw new Error(`no job ${jobName} in pipeline ${pipelineId}`);
    return this.#pipelines.jobHook(this.#project(projectPath), pipeline, job);
  }

  /** Pipeline and Job hooks sent, in order. */
  get pipelineDeliveries(): PipelineHookDelivery[] {
    return this.#pipelines.deliveries;
  }

  /** Push to the GitLab project directly as a developer (e.g. to make the mirror drift). */
  async commitAndPush(projectPath: string, options: CommitAndPushOptions): Promise<PushResult> {
    const project = this.#project(projectPath);
    let work = this.#works.get(project.pathWithNamespace);
    if (!work) {
      const dir = path.join(this.#workRoot, `${project.pathWithNamespace}.git`);
      work = new WorkRepo(dir, `${this.url}/${project.pathWithNamespace}.git`, project.defaultBranch, this.token, this.#clock);
      this.#works.set(project.pathWithNamespace, work);
    }
    return work.commitAndPush(options);
  }

  async close(): Promise<void> {
    await this.settled();
    await this.#server.close();
  }

  #authorizeGit({ repoPath, service, password }: GitRequest): boolean {
    const project = this.#state.findProject(repoPath);
    return gitAllowed(this.#state, password, service, project?.visibility === "public");
  }

  #countPush(req: IncomingMessage, requestPath: string): void {
    if (req.method !== "POST") return;
    const match = /^\/(.+?)\.git\/git-receive-pack(?:\?|$)/.exec(requestPath);
    if (!match) return;
    const key = decodeURIComponent(match[1]!).toLowerCase();
    this.#pushCounts.set(key, (this.#pushCounts.get(key) ?? 0) + 1);
  }
}

function statusText(status: number): string {
  const texts: Record<number, string> = {
    400: "Bad Request",
    403: "Forbidden",
    409: "Conflict",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
  };
  return texts[status] ?? "Error";
}
