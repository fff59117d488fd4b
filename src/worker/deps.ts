/**
 * The one factory of the worker's dependencies, used by the app and the CLI alike: whatever way a
 * sync is started, it runs with the operator's access policy, the GitLab hooks, the bounce log and
 * the agreement records. Call it once per process (the bounce log lives as long as the process).
 */
import type { Logger } from "pino";
import { cacheLayout } from "../cache/layout.js";
import type { MirrorConfig } from "../config/schema.js";
import type { AppEnv } from "../env.js";
import type { GitHubClient } from "../github/types.js";
import type { GitLabClient } from "../gitlab/client.js";
import type { MirrorIndex } from "../index/mirror-index.js";
import type { ProjectLinks } from "../index/project-links.js";
import { mirrorRefs, prefetchSource, type PrefetchRequest } from "../mirror/mirror-refs.js";
import type { FetchedSource, LfsOptions, MirrorRequest, MirrorResult } from "../mirror/types.js";
import type { AgreedStore } from "../records/agreed-store.js";
import type { Metrics, StatusStore } from "../status/types.js";
import type { MirrorFollowUp } from "../sync/follow-up.js";
import type { BackgroundTasks } from "./background.js";
import type { MirrorJob } from "./mirror-job.js";
import { createTwoWayDeps, type TwoWayDeps } from "./two-way.js";
import { ConfigCache } from "./config-cache.js";
import { MemoryCacheVersions } from "../records/cache-versions.js";

type Given = Omit<WorkerDeps, "twoWay" | "mirrorRefs" | "prefetchSource" | "configs"> &
  Partial<Pick<WorkerDeps, "mirrorRefs" | "prefetchSource" | "configs">> & { env: AppEnv; gitlab: GitLabClient; agreed: AgreedStore };

export function createWorkerDeps(given: Given): WorkerDeps {
  return {
    mirrorRefs,
    prefetchSource,
    ...given,
    // The app passes its own (shared versions, background revalidation); a CLI run reads afresh.
    configs: given.configs ?? new ConfigCache({ versions: new MemoryCacheVersions(), getOctokit: given.getOctokit, log: given.log }),
    twoWay: createTwoWayDeps(given.env, given.gitlab),
  };
}

export interface WorkerDeps {
  env: AppEnv;
  log: Logger;
  getOctokit(installationId: number): Promise<GitHubClient>;
  gitlab: GitLabClient;
  mirrorRefs(request: MirrorRequest): Promise<MirrorResult>;
  /** Starts the GitHub fetch into an existing cache early (src/mirror/mirror-refs.ts). */
  prefetchSource?(request: PrefetchRequest): Promise<FetchedSource | undefined>;
  background: BackgroundTasks;
  index?: MirrorIndex;
  /** Hooks of the GitLab projects a config starts or stops pulling from (src/index/project-links.ts). */
  links?: Pick<ProjectLinks, "recorded">;
  status?: StatusStore;
  metrics?: Metrics;
  sleep?: (ms: number) => Promise<void>;
  /** After each mirror run: retry note, check runs on what a sync changed, failure issue (src/sync/follow-up.ts). */
  followUp?: MirrorFollowUp;
  /** Access policy, GitLab hooks and bounce log (src/worker/two-way.ts): required, so no path skips the policy. */
  twoWay: TwoWayDeps;
  /** Each mirror's agreement record (src/records/): required, so no path forgets what both sides agreed. */
  agreed: AgreedStore;
  /** `.mirror.yml` of the default branches, kept between jobs (config-cache.ts). */
  configs: ConfigCache;
  /** The clock backup refs are stamped with (tests inject one). */
  now?: () => Date;
}

export function cacheDirFor(env: AppEnv, job: Pick<MirrorJob, "owner" | "repo">): string {
  return cacheLayout(env.cacheDir).pushCache(job);
}

export const gitlabCredentials = (env: AppEnv) => ({ username: "oauth2", password: env.gitlabToken ?? "" });

/** The Git LFS step's settings for a mirror (both directions): `lfs:` from its config, the cache bound from the environment. */
export const lfsOptions = (env: AppEnv, mirror: Pick<MirrorConfig, "lfs">): LfsOptions => ({ enabled: mirror.lfs !== false, cacheBytes: (env.lfsCacheMb ?? 2048) * 1024 * 1024 });
