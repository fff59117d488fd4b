/**
 * A fake GitHub on 127.0.0.1: the REST API under /api/v3 (where Probot points with GHE_HOST and
 * GHE_PROTOCOL=http) and real git smart HTTP under /<owner>/<repo>.git, plus helpers tests use
 * to act as a developer (create repositories, push) and as GitHub (build and send webhooks).
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { createGitHttpHandler } from "./git-http-backend.js";
import { CommitClock, initBare, listRefs } from "./git.js";
import { writeCommits } from "./fast-import.js";
import { HistoryStore } from "./github/history-store.js";
import type { HistoryShape } from "./realistic-history.js";
import { FakeServer, type Fault, type LoggedRequest } from "./http/fake-server.js";
import { Router } from "./http/router.js";
import { DOCS_URL, generateAppKeys, InstallationTokens, isoSeconds, randomToken, type AppKeys } from "./github/app-auth.js";
import { appRoutes } from "./github/app-routes.js";
import { branchRoutes } from "./github/branch-routes.js";
import { checkRunRoutes, createCheckRun, updateCheckRun } from "./github/check-run-routes.js";
import { GitHubContext } from "./github/context.js";
import {
  buildCheckRunEvent,
  buildCheckSuiteEvent,
  buildInstallationEvent,
  buildInstallationRepositoriesEvent,
  buildPushEvent,
  buildStatusEvent,
  type PushEventOptions,
} from "./github/events.js";
import { issueRoutes } from "./github/issue-routes.js";
import { repositoryObject } from "./github/objects.js";
import { repoRoutes } from "./github/repo-routes.js";
import { GitHubState, notFound, type CheckRunRecord, type CommitStatusRecord, type ForeignApp, type IssueRecord, type RepoRecord } from "./github/state.js";
import { postCommitStatus, statusRoutes } from "./github/status-routes.js";
import { sendPushWebhooks, type WebhookDelivery } from "./github/push-webhooks.js";
import { CAN_WRITE_WORKFLOWS_ENV, writeWorkflowsHook } from "./github/workflows-hook.js";
import { LfsServer, lfsObjectPath, writeLfsObject, type LoggedBatch, type LfsAccess, type LfsSettings } from "./lfs-server.js";
import { PushWatcher } from "./push-watcher.js";
import { deliverGitHubWebhook, type DeliveryResult } from "./webhook-delivery.js";
import { describeCommits, WorkRepo, type CommitAndPushOptions, type PushResult } from "./work-repo.js";

export type { CommitAndPushOptions, PushResult } from "./work-repo.js";
export type { PushEventOptions } from "./github/events.js";
export type { CheckRunRecord, CommitStatusRecord, ForeignApp, IssueRecord, Annotation } from "./github/state.js";
export type { WebhookDelivery } from "./github/push-webhooks.js";

export interface FakeGitHubOptions {
  /** Directory served over git HTTP: bare repositories at `<root>/<owner>/<repo>.git`. */
  root: string;
  /** Developer work repositories; kept outside `root` so they are never served. Default `<root>-work`. */
  workRoot?: string;
  appId?: number;
  installationId?: number;
  appSlug?: string;
  webhookSecret?: string;
  /** Every REST answer (tokens included) waits this long; git is never slowed. Default 0. */
  apiLatencyMs?: number;
  /** Where seedHistory keeps the histories it writes (history-store.ts). Default `<root>-histories`. */
  historyDir?: string;
}

export interface CreateRepoOptions {
  owner: string;
  name: string;
  private?: boolean;
  defaultBranch?: string;
  /** Files of one initial commit on the default branch; none: an empty repository. */
  files?: Record<string, string>;
}

export interface CreatedRepo {
  fullName: string;
  id: number;
  cloneUrl: string;
  bareDir: string;
}

export class FakeGitHub {
  readonly appId: number;
  readonly installationId: number;
  readonly webhookSecret: string;
  /** A developer's token: git Basic auth (any username) and API `token` auth. */
  readonly userToken = randomToken("ghp_");
  /**
   * Set to the app's webhook URL to have every git push to the fake GitHub announced as `push`
   * webhooks, as GitHub does. Unset (the default): tests deliver payloads themselves.
   */
  pushWebhookUrl: string | undefined;
  /** Push webhooks sent because of pushWebhookUrl, in order; each is completed when answered. */
  readonly webhookDeliveries: WebhookDelivery[] = [];
  readonly #root: string;
  readonly #workRoot: string;
  readonly #clock = new CommitClock();
  readonly #works = new Map<string, WorkRepo>();
  readonly #pushes: PushWatcher;
  readonly #histories: HistoryStore;
  readonly #lfsSettings = new Map<string, LfsSettings>();
  #server!: FakeServer;
  #lfs!: LfsServer;
  #ctx!: GitHubContext;

  private constructor(
    options: FakeGitHubOptions,
    readonly keys: AppKeys,
  ) {
    this.#root = options.root;
    this.#workRoot = options.workRoot ?? `${options.root}-work`;
    this.#histories = new HistoryStore(options.historyDir ?? `${options.root}-histories`);
    this.appId = options.appId ?? 13_370;
    this.installationId = options.installationId ?? 4_040_001;
    this.webhookSecret = options.webhookSecret ?? randomToken("whsec_", 32);
    this.#pushes = new PushWatcher({
      watched: (repoPath) => (this.pushWebhookUrl ? this.#findRepo(repoPath)?.bareDir : undefined),
      onPush: async (repoPath, changes, refs) => {
        const url = this.pushWebhookUrl;
        const repo = this.#findRepo(repoPath);
        if (!url || !repo) return;
        await sendPushWebhooks(this.#ctx.state, repo, changes, refs, { url, secret: this.webhookSecret }, this.webhookDeliveries);
      },
      onError: (error) => this.#server.errors.push(error),
    });
  }

  static async start(options: FakeGitHubOptions): Promise<FakeGitHub> {
    const github = new FakeGitHub(options, await generateAppKeys());
    await github.#listen(options.appSlug ?? "mirror-bot", options.apiLatencyMs ?? 0);
    return github;
  }

  async #listen(slug: string, apiLatencyMs: number): Promise<void> {
    await mkdir(this.#root, { recursive: true });
    const hooksPath = await writeWorkflowsHook(`${this.#root}-hooks`); // outside root: never served
    const router = new Router();
    const lfs = (this.#lfs = new LfsServer({
      flavour: "github",
      storeRoot: this.lfsStore,
      authorize: (repoPath, operation, password) => this.#authorizeLfs(repoPath, operation, password),
      settings: (repoPath) => this.#lfsSettings.get(repoPath.toLowerCase()) ?? { enabled: true },
    }));
    const git = createGitHttpHandler({
      root: this.#root,
      authorize: (request) => this.#authorizeGit(request),
      beforePush: this.#pushes.beforePush,
      onPush: this.#pushes.afterPush,
      hooksPath,
      extraEnv: ({ password }) => ({ [CAN_WRITE_WORKFLOWS_ENV]: this.#canWriteWorkflows(password) ? "1" : "0" }),
    });
    this.#server = new FakeServer({
      apiPrefix: "/api/v3",
      router,
      git: async (req, res) => (await lfs.handle(req, res, this.url)) || git(req, res),
      errorBody: (status) => ({ message: status === 404 ? "Not Found" : status >= 500 ? "Server Error" : "Error", documentation_url: DOCS_URL }),
      apiHeaders: rateLimitHeaders,
      apiLatencyMs,
    });
    const web = await this.#server.listen();
    const host = web.replace(/^http:\/\//, "");
    const state = new GitHubState({ web, api: `${web}/api/v3`, host }, { id: this.appId, slug, name: slug }, this.installationId);
    this.#ctx = new GitHubContext(state, this.keys, new InstallationTokens(), this.userToken);
    appRoutes(router, this.#ctx);
    repoRoutes(router, this.#ctx);
    branchRoutes(router, this.#ctx);
    checkRunRoutes(router, this.#ctx);
    statusRoutes(router, this.#ctx);
    issueRoutes(router, this.#ctx);
  }

  /** The repository behind a git path `owner/name`. */
  #findRepo(repoPath: string): RepoRecord | undefined {
    const [owner, name, extra] = repoPath.split("/");
    return owner && name && extra === undefined ? this.#ctx.state.findRepo(owner, name) : undefined;
  }

  #authorizeGit({ repoPath, service, password }: { repoPath: string; service: string; password?: string }): boolean {
    if (repoPath.split("/").length !== 2) return false;
    const repo = this.#findRepo(repoPath);
    const login = this.#ctx.loginFor(password);
    const valid = login !== undefined && (password === this.userToken || !repo || this.#ctx.state.inInstallation(repo));
    if (!repo) return valid; // git http-backend answers 404 for what does not exist
    return valid || (!repo.private && service === "upload-pack");
  }

  #authorizeLfs(repoPath: string, operation: "download" | "upload", password: string | undefined): LfsAccess {
    const repo = this.#findRepo(repoPath);
    if (!repo) return "not-found";
    if (this.#authorizeGit({ repoPath, service: operation === "upload" ? "receive-pack" : "upload-pack", password })) return "ok";
    if (password === undefined || this.#ctx.loginFor(password) === undefined) return "unauthorized";
    return repo.private ? "not-found" : "forbidden";
  }

  /** Every LFS batch request's body, in order. */
  get lfsBatches(): LoggedBatch[] {
    return this.#lfs.batches;
  }

  /** Where the fake keeps LFS objects: `<lfsStore>/<owner>/<repo>/<aa>/<bb>/<oid>`. */
  get lfsStore(): string {
    return `${this.#root}-lfs`;
  }

  /** Turn LFS off for a repository (`enabled: false`) or lower its per-file limit (default 2 GiB). */
  setLfs(fullName: string, settings: Partial<LfsSettings>): void {
    const key = this.#repo(fullName).fullName.toLowerCase();
    this.#lfsSettings.set(key, { ...(this.#lfsSettings.get(key) ?? { enabled: true }), ...settings });
  }

  /** The file of an LFS object of the repository (it may not exist). */
  lfsObjectPath(fullName: string, oid: string): string {
    return lfsObjectPath(this.lfsStore, this.#repo(fullName).fullName, oid);
  }

  /** Store an LFS object as if it had been uploaded (streamed, e.g. generated content). */
  writeLfsObject(fullName: string, content: AsyncIterable<Buffer> | NodeJS.ReadableStream): Promise<{ oid: string; size: number }> {
    return writeLfsObject(this.lfsStore, this.#repo(fullName).fullName, content);
  }

  /**
   * The developer may; an installation token only if it was issued with `workflows: write` and
   * the installation still has it (a permission taken away stops working for issued tokens too).
   */
  #canWriteWorkflows(password: string | undefined): boolean {
    if (password === this.userToken) return true;
    const granted = this.#ctx.tokens.permissionsOf(password);
    return granted?.workflows === "write" && this.#ctx.state.installationPermissions.workflows === "write";
  }

  /** `http://127.0.0.1:<port>`. */
  get url(): string {
    return this.#server.url;
  }
  get apiUrl(): string {
    return `${this.url}/api/v3`;
  }
  /** `127.0.0.1:<port>`, for GHE_HOST. */
  get host(): string {
    return this.url.replace(/^http:\/\//, "");
  }
  get privateKeyPem(): string {
    return this.keys.privateKeyPem;
  }
  /** How long every REST answer waits, in ms (see FakeServer.apiLatencyMs); settable at any time. */
  get apiLatencyMs(): number {
    return this.#server.apiLatencyMs;
  }
  set apiLatencyMs(ms: number) {
    this.#server.apiLatencyMs = ms;
  }
  /** Every request received (API and git), in order. */
  get requests(): LoggedRequest[] {
    return this.#server.requests;
  }
  /** Handler crashes, answered 500; should stay empty. */
  get errors(): Error[] {
    return this.#server.errors;
  }
  /** API requests no route of the fake matched, e.g. "GET /api/v3/repos/o/r/compare/a...b". */
  get unmatchedRequests(): string[] {
    return this.#server.unmatched;
  }
  /** Every installation token issued so far (expired ones included), oldest first. */
  get issuedTokens(): string[] {
    return this.#ctx.tokens.issuedTokens;
  }

  resetRequests(): void {
    this.#server.resetRequests();
  }

  /** Fail the next matching request(s), e.g. `{ path: /check-runs/, status: 500, count: 2 }`. */
  failNext(fault: Fault): void {
    this.#server.failNext(fault);
  }

  clearFaults(): void {
    this.#server.clearFaults();
  }

  /** Invalidate every installation token, as if they had expired. */
  expireInstallationTokens(): void {
    this.#ctx.tokens.expireAll();
  }

  /** An installation token for tests that act as the app (with the installation's permissions). */
  createInstallationToken(): string {
    return this.#ctx.tokens.issue(this.installationId, undefined, this.#ctx.state.installationPermissions).token;
  }

  /** The installation's permissions, as `GET /app/installations/{id}` lists them. */
  get installationPermissions(): Record<string, string> {
    return { ...this.#ctx.state.installationPermissions };
  }

  /**
   * Change what the installation is granted, as an org owner accepting (or removing) permissions:
   * `{ workflows: "write" }` grants, `{ workflows: null }` takes away. Default: no `workflows`.
   * Tokens issued afterwards carry the new set; a removal applies to issued tokens at once.
   */
  setInstallationPermissions(changes: Record<string, string | null>): void {
    const next = { ...this.#ctx.state.installationPermissions };
    for (const [name, level] of Object.entries(changes)) {
      if (level === null) delete next[name];
      else next[name] = level;
    }
    this.#ctx.state.installationPermissions = next;
  }

  async createRepo(options: CreateRepoOptions): Promise<CreatedRepo> {
    const state = this.#ctx.state;
    const fullName = `${options.owner}/${options.name}`;
    if (state.findRepo(options.owner, options.name)) throw new Error(`repository ${fullName} exists`);
    if (state.repos.size === 0) state.account = options.owner;
    const defaultBranch = options.defaultBranch ?? "main";
    const bareDir = path.join(this.#root, options.owner, `${options.name}.git`);
    await initBare(bareDir, defaultBranch);
    const now = Date.now();
    const record: RepoRecord = {
      id: state.nextRepoId(),
      owner: options.owner,
      ownerId: state.ownerId(options.owner),
      name: options.name,
      fullName,
      private: options.private ?? false,
      defaultBranch,
      bareDir,
      createdAt: now,
      pushedAt: now,
    };
    state.repos.set(fullName.toLowerCase(), record);
    if (options.files) {
      const [sha] = await writeCommits(bareDir, {
        ref: `refs/heads/${defaultBranch}`,
        commits: [{ message: "Initial commit", files: options.files, author: { name: "Sandbox Developer", email: "developer@sandbox.test" }, time: this.#clock.tick() }],
      });
      await this.#remember(bareDir, [sha!]);
    }
    return { fullName, id: record.id, cloneUrl: this.cloneUrl(fullName), bareDir };
  }

  /**
   * For benchmarks: points a branch (default: the default branch) at a long realistic history
   * (realistic-history.ts: a few hundred files, about 3 KB of new text per commit) with one commit
   * on top that adds `files` (e.g. `.mirror.yml`), straight in the bare repository (no push, no
   * webhook). Whatever the branch held is replaced. The history is written once per shape and
   * shared by every repository seeded with it (history-store.ts). Returns the new tip; the
   * commits are not remembered for push payloads.
   */
  async seedHistory(fullName: string, { branch, files = {}, ...shape }: HistoryShape & { branch?: string; files?: Record<string, string> }): Promise<string> {
    const repo = this.#repo(fullName);
    const ref = `refs/heads/${branch ?? repo.defaultBranch}`;
    const parent = await this.#histories.copyInto(shape, repo.bareDir);
    const author = { name: "Sandbox Developer", email: "developer@sandbox.test" };
    const [tip] = await writeCommits(repo.bareDir, {
      ref,
      parent,
      commits: [{ message: Object.keys(files).length > 0 ? "Add the project files" : "Seeded history", files, author, time: this.#clock.tick() }],
    });
    return tip!;
  }

  cloneUrl(fullName: string): string {
    return `${this.url}/${this.#repo(fullName).fullName}.git`;
  }

  /** The repository object as `GET /repos/{owner}/{repo}` returns it. */
  repository(fullName: string): Record<string, unknown> {
    return repositoryObject(this.#ctx.state, this.#repo(fullName), "rest");
  }

  #repo(fullName: string): RepoRecord {
    const [owner, name] = fullName.split("/");
    const repo = this.#ctx.state.findRepo(owner ?? "", name ?? "");
    if (!repo) throw new Error(`no repository ${fullName} in the fake GitHub`);
    return repo;
  }

  /** The developer's work repository for a GitHub repository (reused between pushes). */
  work(fullName: string): WorkRepo {
    const repo = this.#repo(fullName);
    let work = this.#works.get(repo.fullName);
    if (!work) {
      const dir = path.join(this.#workRoot, `${repo.fullName}.git`);
      work = new WorkRepo(dir, this.cloneUrl(fullName), repo.defaultBranch, this.userToken, this.#clock);
      this.#works.set(repo.fullName, work);
    }
    return work;
  }

  /** Commit (optionally) and push as the developer, over real git HTTP. No webhook is sent. */
  async commitAndPush(fullName: string, options: CommitAndPushOptions): Promise<PushResult> {
    const work = this.work(fullName);
    const result = await work.commitAndPush(options);
    await this.#remember(work.gitDir, result.commits);
    this.#repo(fullName).pushedAt = Date.now();
    return result;
  }

  async #remember(gitDir: string, shas: string[]): Promise<void> {
    for (const commit of await describeCommits(gitDir, shas)) {
      this.#ctx.state.commits.set(commit.id, { ...commit, timestamp: isoSeconds(commit.time * 1000) });
    }
  }

  /** Branches and tags of the bare repository: ref name → sha. */
  refs(fullName: string): Promise<Map<string, string>> {
    return listRefs(this.#repo(fullName).bareDir);
  }

  /** Check runs stored for a repository (annotations included), oldest first. */
  checkRuns(fullName: string): CheckRunRecord[] {
    const repo = this.#repo(fullName);
    return [...this.#ctx.state.checkRuns.values()].filter((run) => run.repo === repo.fullName);
  }

  /** Check runs of every repository, oldest first (e.g. to scan all output for secrets). */
  allCheckRuns(): CheckRunRecord[] {
    return [...this.#ctx.state.checkRuns.values()];
  }

  issues(fullName: string): IssueRecord[] {
    return this.#ctx.state.issues.get(this.#repo(fullName).fullName) ?? [];
  }

  /** A `push` webhook payload for this repository (see PushEventOptions). */
  pushEvent(fullName: string, options: PushEventOptions): Record<string, unknown> {
    return buildPushEvent(this.#ctx.state, this.#repo(fullName), options);
  }

  /** An `installation` webhook payload (`created`, `deleted`, ...) listing these repositories (default: all in the installation). */
  installationEvent(action: string, fullNames?: string[]): Record<string, unknown> {
    const repos = fullNames ? fullNames.map((n) => this.#repo(n)) : [...this.#ctx.state.repos.values()].filter((r) => this.#ctx.state.inInstallation(r));
    return buildInstallationEvent(this.#ctx.state, action, repos);
  }

  /** An `installation_repositories` webhook payload: `added` or `removed` these repositories. */
  installationRepositoriesEvent(action: "added" | "removed", fullNames: string[]): Record<string, unknown> {
    return buildInstallationRepositoriesEvent(
      this.#ctx.state,
      action,
      fullNames.map((n) => this.#repo(n)),
    );
  }

  /** Take a repository out of the installation (its tokens get 404 for it), or put it back. */
  removeFromInstallation(fullName: string): void {
    this.#ctx.state.removedFromInstallation.add(this.#repo(fullName).fullName.toLowerCase());
  }
  addToInstallation(fullName: string): void {
    this.#ctx.state.removedFromInstallation.delete(this.#repo(fullName).fullName.toLowerCase());
  }

  /** A `check_run` webhook payload (created, completed, rerequested, requested_action). */
  checkRunEvent(fullName: string, action: string, checkRunId: number, requestedActionIdentifier?: string): Record<string, unknown> {
    const run = this.#ctx.state.checkRuns.get(checkRunId);
    if (!run) throw notFound();
    return buildCheckRunEvent(this.#ctx.state, this.#repo(fullName), action, run, requestedActionIdentifier);
  }

  /** A `check_suite` webhook payload (e.g. rerequested: **Re-run all checks**) for the suite of this check run. */
  checkSuiteEvent(fullName: string, action: string, checkRunId: number): Record<string, unknown> {
    const run = this.#ctx.state.checkRuns.get(checkRunId);
    if (!run) throw notFound();
    return buildCheckSuiteEvent(this.#ctx.state, this.#repo(fullName), action, run);
  }

  /**
   * A check run made by another app (GitHub Actions by default), as a CI does through the checks
   * API: `{ name, head_sha, status?, conclusion?, output? }`, validated like a POST. Its events
   * (`checkRunEvent`) name that app, so mirror-bot can tell it from its own.
   */
  async createForeignCheckRun(fullName: string, body: Record<string, unknown>, app: ForeignApp = GITHUB_ACTIONS): Promise<CheckRunRecord> {
    return createCheckRun(this.#ctx.state, this.#repo(fullName), body, app);
  }

  /** Moves another app's check run on (`{ status: "in_progress" }`, `{ conclusion: "failure", output }`), validated like a PATCH. */
  updateForeignCheckRun(checkRunId: number, body: Record<string, unknown>): CheckRunRecord {
    const run = this.#ctx.state.checkRuns.get(checkRunId);
    if (!run) throw notFound();
    updateCheckRun(run, body);
    return run;
  }

  /** A commit status posted by a CI as the developer (`{ state, context?, description?, target_url? }`), validated like the POST. */
  async createCommitStatus(fullName: string, sha: string, body: Record<string, unknown>): Promise<CommitStatusRecord> {
    return postCommitStatus(this.#ctx.state, this.#repo(fullName), sha, body, "sandbox-ci[bot]");
  }

  /** Commit statuses of a repository, oldest first. */
  commitStatuses(fullName: string): CommitStatusRecord[] {
    const repo = this.#repo(fullName);
    return this.#ctx.state.commitStatuses.filter((s) => s.repo === repo.fullName);
  }

  /** A `status` webhook payload for one commit status, listing the branches whose tip is its commit. */
  async statusEvent(fullName: string, statusId: number): Promise<Record<string, unknown>> {
    const status = this.#ctx.state.commitStatuses.find((s) => s.id === statusId);
    if (!status) throw notFound();
    const branches = [...(await this.refs(fullName))]
      .filter(([ref, sha]) => ref.startsWith("refs/heads/") && sha === status.sha)
      .map(([ref, sha]) => ({ name: ref.slice(11), sha }));
    return buildStatusEvent(this.#ctx.state, this.#repo(fullName), status, branches);
  }

  /** Send a webhook as GitHub does: signed with the webhook secret, over a keep-alive agent. */
  deliver(url: string, eventName: string, payload: unknown, options: { deliveryId?: string } = {}): Promise<DeliveryResult> {
    return deliverGitHubWebhook(url, eventName, payload, { secret: this.webhookSecret, appId: this.appId, ...options });
  }

  /** Wait until every push webhook caused by earlier pushes has been answered. */
  settled(): Promise<void> {
    return this.#pushes.settled();
  }

  async close(): Promise<void> {
    await this.settled();
    await this.#server.close();
  }
}

/** GitHub Actions' app, as its check runs name it. */
export const GITHUB_ACTIONS: ForeignApp = { id: 15368, slug: "github-actions", name: "GitHub Actions" };

let requestCounter = 0;

/** GitHub's rate-limit headers (Octokit's throttling plugin reads them) and a request id for logs. */
function rateLimitHeaders(): Record<string, string> {
  return {
    "x-github-request-id": `5A4D:${(++requestCounter).toString(16).toUpperCase()}`,
    "x-ratelimit-limit": "5000",
    "x-ratelimit-remaining": "4999",
    "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
    "x-ratelimit-used": "1",
    "x-ratelimit-resource": "core",
    "x-github-api-version-selected": "2022-11-28",
  };
}
