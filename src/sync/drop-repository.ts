/**
 * A repository left the installation, or the app was uninstalled: forget it, and delete all it
 * left behind: its caches (both directions), its agreement records. Runs as a queue job, so it
 * never races a sync of the same repository.
 */
import type { Logger } from "pino";
import { cacheLayout } from "../cache/layout.js";
import type { AppEnv } from "../env.js";
import type { MirrorIndex } from "../index/mirror-index.js";
import type { AgreedStore } from "../records/agreed-store.js";
import type { MirrorJob } from "../worker/mirror-job.js";
import type { StatusStore } from "../status/types.js";

export async function dropRepository(
  job: Pick<MirrorJob, "owner" | "repo">,
  deps: { env: AppEnv; index?: MirrorIndex; agreed: AgreedStore; status?: Pick<StatusStore, "removeRepository">; log: Logger },
): Promise<void> {
  const repo = `${job.owner}/${job.repo}`;
  const [index, files, records, statuses] = await Promise.allSettled([
    deps.index?.remove(job.owner, job.repo),
    cacheLayout(deps.env.cacheDir).removeRepository(job),
    deps.agreed.removeRepository(job),
    deps.status?.removeRepository(job.owner, job.repo),
  ]);
  if (statuses.status === "rejected") deps.log.warn({ err: statuses.reason, repo }, "could not delete the repository's status page entries");
  if (index.status === "rejected") deps.log.warn({ err: index.reason, repo }, "could not remove the repository from the mirror index");
  if (files.status === "rejected") deps.log.warn({ err: files.reason, repo }, "could not delete the repository's caches");
  if (records.status === "rejected") deps.log.warn({ err: records.reason, repo }, "could not delete the repository's agreement records");
  deps.log.info({ repo, removed: files.status === "fulfilled" ? files.value.length : 0 }, "repository removed: caches, records and status entries deleted, no more syncs");
}
