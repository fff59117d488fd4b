/** Wiring: events → handlers → queue → worker; the status routes. No logic here. */
import type { Logger } from "pino";
import type { ApplicationFunction, Probot } from "probot";
import type { Registry } from "prom-client";
import type { AppEnv } from "./env.js";
import { createGitLabClient, type GitLabClient } from "./gitlab/client.js";
import { handleCheckRunRerequested, handleCheckSuiteRerequested } from "./handlers/rerun.js";
import { fanOutPush, fromProbot, handlePush } from "./handlers/push.js";
import { createGitHubWebhookRoute, DEFAULT_WEBHOOK_PATH } from "./handlers/github-webhook-route.js";
import { createGitLabWebhookHandler } from "./handlers/gitlab-push.js";
import { handlePipelineCancel, handlePipelineRerun, handlePipelineSuiteRerun } from "./handlers/pipeline-buttons.js";
import { PipelineReporter } from "./pipelines/pipeline-reporter.js";
import { registerCheckResultHandlers } from "./handlers/github-checks.js";
import { createCheckResultMirror } from "./checks-to-gitlab/mirror-check-result.js";
import { ownAppId } from "./github/commit-statuses.js";
import { createWorkerDeps } from "./worker/deps.js";
import { createAgreedStore, type AgreedStore } from "./records/agreed-store.js";
import type { MirrorRequest, MirrorResult } from "./mirror/types.js";
import { isDrop, mergeJobs, type MirrorQueue } from "./worker/mirror-job.js";
import { MemoryJobQueue } from "./queue/memory-queue.js";
import { registerSecret } from "./secrets.js";
import { createStatusStore, type ClosableStatusStore } from "./status/create-status-store.js";
import { createMetrics } from "./status/metrics.js";
import { totalLagRefs } from "./status/records.js";
import { createStatusHandler, type StatusEnv } from "./status/status-routes.js";
import type { Metrics } from "./status/types.js";
import { MirrorIndex } from "./index/mirror-index.js";
import { ProjectLinks } from "./index/project-links.js";
import { scanAllInstallations } from "./index/scan-installations.js";
import { BackgroundTasks } from "./worker/background.js";
import { runMirrorJob } from "./worker/run-mirror-job.js";
import { dropRepository } from "./sync/drop-repository.js";
import { createSyncServices, registerSyncHandlers, type SyncServices } from "./sync/services.js";
import { createCacheVersions, type CacheVersions } from "./records/cache-versions.js";
import { ConfigCache } from "./worker/config-cache.js";
import { installationOctokit } from "./github/token-renewal.js";
import { handleInstallationChanged, invalidateConfigOnPush } from "./handlers/config-invalidation.js";

export interface AppDeps {
  env: AppEnv;
  queue: MirrorQueue;
  gitlab: GitLabClient;
  mirrorRefs(request: MirrorRequest): Promise<MirrorResult>;
  background: BackgroundTasks;
  /** Repositories with mirrors, from the configs the app (any replica, with Redis) has read. */
  index: MirrorIndex;
  /** Clock of the rescan rate limit (tests). */
  now?: () => number;
  status?: { store: ClosableStatusStore; metrics: Metrics; registry: Registry; env: StatusEnv };
  sleep?: (ms: number) => Promise<void>;
  /** Reconciliation, follow-up and their handlers (src/sync/services.ts); made by createMirrorApp. */
  sync?: SyncServices;
  /** Each mirror's agreement record (src/records/): files, or Redis when REDIS_URL is set. */
  agreed: AgreedStore;
  /** Versions that invalidate cached configs (records/cache-versions.ts): in memory, or Redis when REDIS_URL is set. */
  versions: CacheVersions;
  /** The config cache (worker/config-cache.ts); made by createMirrorApp. */
  configs?: ConfigCache;
}

/**
 * In memory by default (nothing to install); on Redis when REDIS_URL is set, for several replicas.
 * BullMQ and ioredis are loaded only then: they double start-up time and add to the process's
 * memory, which every git process the app starts pays for again.
 */
export async function createQueue(env: AppEnv, log?: Logger): Promise<MirrorQueue> {
  if (!env.redisUrl) return new MemoryJobQueue(mergeJobs, env.concurrency, { pacing: env.intakePacing, ...(log && { log }) });
  registerSecret(new URL(env.redisUrl).password, "long-lived");
  const { RedisJobQueue } = await import("./queue/redis-queue.js");
  return RedisJobQueue.connect({ merge: mergeJobs, url: env.redisUrl, concurrency: env.concurrency, lockTtlMs: env.queueLeaseMs, pacing: env.intakePacing, log });
}

/** Local only by default; with REDIS_URL its copy is shared, so GitLab pushes route on every replica. */
export async function createMirrorIndex(env: AppEnv, log?: Logger): Promise<MirrorIndex> {
  if (!env.redisUrl) return new MirrorIndex();
  const { RedisSharedIndex } = await import("./index/redis-index.js"); // loaded only with Redis, as the queue
  return new MirrorIndex(await RedisSharedIndex.connect({ url: env.redisUrl, ...(log && { log }) }));
}

export async function defaultDeps(env: AppEnv, mirrorRefs: AppDeps["mirrorRefs"], log: Logger): Promise<AppDeps> {
  const statusEnv: StatusEnv = { ...(env.adminToken !== undefined && { adminToken: env.adminToken }), metricsPublic: env.metricsPublic };
  const queue = await createQueue(env, log);
  const store = await createStatusStore(env.redisUrl, log);
  const agreed = await createAgreedStore(env, log);
  const versions = await createCacheVersions(env, log);
  const { metrics, registry } = createMetrics({
    queueDepth: () => queue.size(), // read when Prometheus scrapes
    laggingRefs: async () => totalLagRefs(await store.list()),
  });
  return {
    env,
    queue,
    gitlab: createGitLabClient({ url: env.gitlabUrl, token: env.gitlabToken, retry: { attempts: env.retryAttempts, baseMs: env.retryBaseMs } }),
    mirrorRefs,
    background: new BackgroundTasks(log),
    index: await createMirrorIndex(env, log),
    status: { store, metrics, registry, env: statusEnv },
    agreed,
    versions,
  };
}

/** Stops taking jobs, lets running ones and their reports finish. */
export async function shutdown(deps: AppDeps): Promise<void> {
  await deps.sync?.stop();
  await deps.configs?.stop();
  await deps.queue.close();
  await deps.background.drain();
  await deps.status?.store.close?.();
  await deps.agreed.close?.();
  await deps.index.close();
  await deps.versions.close?.();
}

export function createMirrorApp(deps: AppDeps): ApplicationFunction {
  return (app: Probot, options) => {
    const status = deps.status;
    if (status) {
      options.addHandler(createStatusHandler({ store: status.store, registry: status.registry, ...status.env, log: app.log }));
    }
    // Installation tokens come from Probot's cache; one GitHub stopped accepting is renewed (token-renewal.ts).
    const getOctokit = (installationId: number) => installationOctokit(app, installationId);
    const configs = (deps.configs ??= new ConfigCache({ versions: deps.versions, getOctokit, log: app.log }));
    configs.start();
    // GitLab pipelines as check runs: GitLab's pipeline and job events, the buttons, reconciliation.
    const pipelines = new PipelineReporter({ gitlab: deps.gitlab, getOctokit, log: app.log });
    const sync = (deps.sync ??= createSyncServices({
      env: deps.env,
      log: app.log,
      getOctokit,
      gitlab: deps.gitlab,
      queue: deps.queue,
      index: deps.index,
      configs,
      pipelines,
    }));
    // The same factory as the CLI's: access policy, hooks, bounce log and agreement records on every path.
    const worker = createWorkerDeps({
      env: deps.env,
      log: app.log,
      getOctokit,
      gitlab: deps.gitlab,
      mirrorRefs: deps.mirrorRefs,
      configs,
      background: deps.background,
      index: deps.index,
      status: status?.store,
      metrics: status?.metrics,
      sleep: deps.sleep,
      followUp: sync.followUp,
      agreed: deps.agreed,
    });
    const scanDeps = { index: deps.index, configs, allowedGitLabUrl: deps.env.gitlabUrl };
    // GitLab → GitHub: GitLab webhooks (handlers/gitlab-push.ts); a push for a project not in the index rescans first (index/project-links.ts).
    const links = new ProjectLinks({
      index: deps.index,
      rescan: () => scanAllInstallations(app, scanDeps),
      hooks: worker.twoWay.hooks,
      log: app.log,
      now: deps.now,
    });
    worker.links = links;
    options.addHandler(
      createGitLabWebhookHandler({
        secret: deps.env.gitlabWebhookSecret,
        links,
        background: deps.background,
        queue: deps.queue,
        log: app.log,
        metrics: status?.metrics,
        pipelines,
      }),
    );
    // Each job's background tasks (its reports) log their failures with its repository.
    const forJob = (job: { owner: string; repo: string }) => ({ ...worker, background: deps.background.scoped({ repo: `${job.owner}/${job.repo}` }) });
    deps.queue.start((job) =>
      isDrop(job) ? dropRepository(job, { env: deps.env, index: deps.index, agreed: deps.agreed, status: status?.store, log: app.log }) : runMirrorJob(job, forJob(job)),
    );
    // Learn every installation's mirrors at start (for routing GitLab events and reconciling).
    deps.background.run(
      scanAllInstallations(app, scanDeps)
        .then((scan) => app.log.info({ repositories: scan.repositories.length, complete: scan.complete }, "installations scanned"))
        .catch((error) => app.log.warn({ err: error }, "could not scan installations"))
        // Then reconcile: whatever was pushed while the app was down is mirrored now.
        .then(() => sync.startReconciling()),
      { what: "start reconciling" },
    );
    registerSyncHandlers(app, sync, { env: deps.env, queue: deps.queue, index: deps.index, configs, metrics: status?.metrics });
    // One way in for pushes: the route below and Probot's own route both reach every push handler.
    // A push that may change a default branch's .mirror.yml invalidates its cached reading first (config-invalidation.ts).
    const onPush = invalidateConfigOnPush(deps.versions, app.log, fanOutPush([handlePush(deps.queue, status?.metrics), sync.onOrgConfigPush]));
    app.on("push", fromProbot(onPush));
    options.addHandler(
      createGitHubWebhookRoute({
        path: deps.env.webhookPath ?? DEFAULT_WEBHOOK_PATH,
        secret: deps.env.webhookSecret ?? "development",
        onPush,
        receive: (event) => app.webhooks.receive(event as Parameters<typeof app.webhooks.receive>[0]),
        log: app.log,
      }),
    );
    app.on(["installation", "installation_repositories"], handleInstallationChanged(deps.versions));
    app.on("check_run.rerequested", handleCheckRunRerequested(deps.queue, status?.metrics));
    app.on("check_suite.rerequested", handleCheckSuiteRerequested(deps.queue, status?.metrics));
    const buttons = { pipelines, background: deps.background, allowedGitLabUrl: deps.env.gitlabUrl };
    app.on("check_run.rerequested", handlePipelineRerun(buttons));
    app.on("check_run.requested_action", handlePipelineCancel(buttons));
    app.on("check_suite.rerequested", handlePipelineSuiteRerun(buttons));
    // GitHub → GitLab CI results: check runs and commit statuses as `github/<name>` GitLab statuses (checks-to-gitlab/).
    registerCheckResultHandlers(app, {
      appId: ownAppId(() => app.auth()),
      mirror: createCheckResultMirror({ env: deps.env, index: deps.index, configs, gitlab: deps.gitlab, getOctokit, log: app.log, sleep: deps.sleep }),
      background: deps.background,
      metrics: status?.metrics,
    });
  };
}
