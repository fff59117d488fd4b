/** "Sync now" on one of our check runs: a full sync of the repository, reported on what it changed. */
import type { Context } from "probot";
import type { Metrics } from "../status/types.js";
import { SYNC_NOW_ACTION } from "../sync/follow-up.js";
import { syncJob, type MirrorQueue } from "../worker/mirror-job.js";

const OUR_CHECK = /^GitLab mirror\b/;

export function handleRequestedAction(queue: MirrorQueue, metrics?: Metrics) {
  return async (context: Context<"check_run.requested_action">): Promise<void> => {
    const { payload } = context;
    const installationId = payload.installation?.id;
    if (!installationId || payload.requested_action?.identifier !== SYNC_NOW_ACTION.identifier || !OUR_CHECK.test(payload.check_run.name)) {
      metrics?.webhookReceived({ event: "check_run", outcome: "ignored" });
      return;
    }
    const owner = payload.repository.owner.login;
    const repo = payload.repository.name;
    const branch = payload.check_run.check_suite?.head_branch;
    // The commit whose button was pressed gets the answer, even when nothing needed syncing.
    const job = syncJob({ installationId, owner, repo }, "sync-now", context.id, branch ? { ref: `refs/heads/${branch}`, sha: payload.check_run.head_sha } : null);
    const outcome = await queue.enqueue(job);
    metrics?.webhookReceived({ event: "check_run", outcome });
    context.log.info({ repo: `${owner}/${repo}`, outcome }, `Sync now: ${outcome}`);
  };
}
