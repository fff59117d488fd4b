/**
 * Wiring of everything that keeps mirrors in sync without a push: the reconciliation scheduler,
 * the worker's follow-up, and the handlers for installation events, "Sync now" and org-wide
 * config changes (a push handler, which app.ts adds to the one push fan-out). app.ts calls this
 * once; it holds no logic of its own.
 */
import type { Logger } from "pino";
import type { Probot } from "probot";
import type { AppEnv } from "../env.js";
import type { GitHubClient } from "../github/types.js";
import type { GitLabClient } from "../gitlab/client.js";
import { handleInstallationCreated, handleInstallationDeleted, handleRepositoriesAdded, handleRepositoriesRemoved } from "../handlers/installation.js";
import { handleOrgConfigPush } from "../handlers/org-config-push.js";
import type { PushHandler } from "../handlers/push.js";
import { handleRequestedAction } from "../handlers/requested-action.js";
import type { IndexedRepository, MirrorIndex } from "../index/mirror-index.js";
import type { PipelineReporter } from "../pipelines/pipeline-reporter.js";
import type { ConfigCache } from "../worker/config-cache.js";
import type { MirrorQueue } from "../worker/mirror-job.js";
import type { Metrics } from "../status/types.js";
import { createFollowUp, type MirrorFollowUp } from "./follow-up.js";
import { reconcileRepository } from "./reconcile.js";
import { ReconcileScheduler } from "./scheduler.js";
import { RepositoryCache } from "../github/repository-cache.js";

export const DEFAULT_SYNC_INTERVAL_MS = 3_600_000;

export interface SyncServices {
  scheduler: ReconcileScheduler;
  followUp: MirrorFollowUp;
  /** A push that changes the org-wide `.mirror.yml`: reconcile every repository it covers. */
  onOrgConfigPush: PushHandler;
  /** After the start-up scan: reconcile everything now, then on the interval. */
  startReconciling(): void;
  stop(): Promise<void>;
}

export function createSyncServices(input: {
  env: AppEnv;
  log: Logger;
  getOctokit(installationId: number): Promise<GitHubClient>;
  gitlab: GitLabClient;
  queue: MirrorQueue;
  index: MirrorIndex;
  configs: Pick<ConfigCache, "reader">;
  pipelines?: Pick<PipelineReporter, "reconcile">;
}): SyncServices {
  const intervalMs = input.env.syncIntervalMs ?? DEFAULT_SYNC_INTERVAL_MS;
  const pipelines = input.pipelines;
  const reconcilePipelines = pipelines && ((entry: IndexedRepository) => pipelines.reconcile(entry, entry.mirrors, intervalMs));
  const repositories = new RepositoryCache();
  const scheduler = new ReconcileScheduler({
    intervalMs,
    index: input.index,
    log: input.log,
    concurrency: Math.max(2, input.env.concurrency),
    reconcile: (entry, trigger) => reconcileRepository(entry, trigger, { ...input, repositories, ...(reconcilePipelines && { reconcilePipelines }) }),
  });
  return {
    scheduler,
    followUp: createFollowUp({ log: input.log, scheduler, gitlab: input.gitlab, gitTimeoutMs: input.env.gitTimeoutMs }),
    onOrgConfigPush: handleOrgConfigPush({
      index: input.index,
      allowedGitLabUrl: input.env.gitlabUrl,
      configs: input.configs,
      getOctokit: input.getOctokit,
      log: input.log,
      reconcile: (entry) => scheduler.request(entry, "config"),
    }),
    startReconciling() {
      scheduler.requestAll("startup");
      scheduler.start();
    },
    stop: () => scheduler.stop(),
  };
}

export function registerSyncHandlers(
  app: Probot,
  sync: SyncServices,
  deps: { env: AppEnv; queue: MirrorQueue; index: MirrorIndex; configs: Pick<ConfigCache, "reader">; metrics?: Metrics },
): void {
  const installation = {
    queue: deps.queue,
    index: deps.index,
    configs: deps.configs,
    allowedGitLabUrl: deps.env.gitlabUrl,
    forget: (owner: string, repo: string) => sync.scheduler.forget(owner, repo),
  };
  app.on("installation.created", handleInstallationCreated(installation));
  app.on("installation_repositories.added", handleRepositoriesAdded(installation));
  app.on("installation_repositories.removed", handleRepositoriesRemoved(installation));
  app.on("installation.deleted", handleInstallationDeleted(installation));
  app.on("check_run.requested_action", handleRequestedAction(deps.queue, deps.metrics));
}
