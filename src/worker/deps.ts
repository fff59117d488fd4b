/**
 * The one factory of the worker's dependencies, used by the app and the CLI alike: whatever way a
 * sync is started, it runs with the operator's access policy, the GitLab hooks, the bounce log and
 * the agreement records. Call it once per process (the bounce log lives as long as the process).
 */
import type { AppEnv } from "../env.js";
import type { GitLabClient } from "../gitlab/client.js";
import { mirrorRefs, prefetchSource, prelistTarget } from "../mirror/mirror-refs.js";
import type { AgreedStore } from "../records/agreed-store.js";
import type { WorkerDeps } from "./run-mirror-job.js";
import { createTwoWayDeps } from "./two-way.js";
import { ConfigCache } from "./config-cache.js";
import { MemoryCacheVersions } from "../records/cache-versions.js";

type Given = Omit<WorkerDeps, "twoWay" | "mirrorRefs" | "prefetchSource" | "prelistTarget" | "configs"> &
  Partial<Pick<WorkerDeps, "mirrorRefs" | "prefetchSource" | "prelistTarget" | "configs">> & { env: AppEnv; gitlab: GitLabClient; agreed: AgreedStore };

export function createWorkerDeps(given: Given): WorkerDeps {
  return {
    mirrorRefs,
    prefetchSource,
    prelistTarget,
    ...given,
    // The app passes its own (shared versions, background revalidation); a CLI run reads afresh.
    configs: given.configs ?? new ConfigCache({ versions: new MemoryCacheVersions(), getOctokit: given.getOctokit, log: given.log }),
    twoWay: createTwoWayDeps(given.env, given.gitlab),
  };
}
