/** "Re-run" on one of our check runs (or the whole suite) mirrors the repository again. */
import type { Context } from "probot";
import type { JobQueue } from "../queue/job-queue.js";
import type { Metrics } from "../status/types.js";
import { jobKey, type MirrorJob } from "../worker/mirror-job.js";

const OUR_CHECK = /^GitLab mirror\b/;

function rerunJob(context: Context, owner: string, repo: string, installationId: number, branch: string | null, sha: string): MirrorJob {
  return {
    key: jobKey(owner, repo),
    installationId,
    owner,
    repo,
    deliveryIds: [context.id],
    reportTargets: branch ? [{ ref: `refs/heads/${branch}`, sha }] : [],
    validateConfigAt: [],
    enqueuedAt: Date.now(),
  };
}

export function handleCheckRunRerequested(queue: JobQueue, metrics?: Metrics) {
  return async (context: Context<"check_run.rerequested">): Promise<void> => {
    const { payload } = context;
    const installationId = payload.installation?.id;
    if (!installationId || !OUR_CHECK.test(payload.check_run.name)) {
      metrics?.webhookReceived({ event: "check_run", outcome: "ignored" });
      return;
    }
    const branch = payload.check_run.check_suite.head_branch;
    const outcome = await queue.enqueue(rerunJob(context, payload.repository.owner.login, payload.repository.name, installationId, branch ?? null, payload.check_run.head_sha));
    metrics?.webhookReceived({ event: "check_run", outcome });
  };
}

export function handleCheckSuiteRerequested(queue: JobQueue, metrics?: Metrics) {
  return async (context: Context<"check_suite.rerequested">): Promise<void> => {
    const { payload } = context;
    const installationId = payload.installation?.id;
    if (!installationId) return;
    const suite = payload.check_suite;
    const outcome = await queue.enqueue(rerunJob(context, payload.repository.owner.login, payload.repository.name, installationId, suite.head_branch, suite.head_sha));
    metrics?.webhookReceived({ event: "check_suite", outcome });
  };
}
