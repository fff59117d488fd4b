/**
 * A repository left the installation, or the app was uninstalled: forget it and delete its cache.
 * Runs as a queue job, so it never races a sync of the same repository.
 */
import { rm } from "node:fs/promises";
import type { Logger } from "pino";
import type { AppEnv } from "../env.js";
import type { MirrorIndex } from "../index/mirror-index.js";
import { cacheDirFor } from "../worker/run-mirror-job.js";
import type { MirrorJob } from "../worker/mirror-job.js";

export async function dropRepository(job: MirrorJob, deps: { env: AppEnv; index?: MirrorIndex; log: Logger }): Promise<void> {
  await deps.index?.remove(job.owner, job.repo).catch((error) => deps.log.warn({ err: error, repo: `${job.owner}/${job.repo}` }, "could not remove the repository from the mirror index"));
  const dir = cacheDirFor(deps.env, job);
  await rm(dir, { recursive: true, force: true }).catch((error) => deps.log.warn({ err: error, dir }, "could not delete the cache"));
  deps.log.info({ repo: `${job.owner}/${job.repo}` }, "repository removed: cache deleted, no more syncs");
}
