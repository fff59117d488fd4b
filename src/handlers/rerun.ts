/** "Re-run" on one of our check runs (or the whole suite) mirrors the repository again. */
import type { Context } from "probot";
import type { JobQueue } from "../queue/job-queue.js";
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

export function handleCheckRunRerequested(queue: JobQueue) {
  return async (context: Context<"check_run.rerequested">): Promise<void> => {
    const { payload } = context;
    const installationId = payload.installation?.id;
    if (!installationId || !OUR_CHECK.test(payload.check_run.name)) return;
    const branch = payload.check_run.check_suite.head_branch;
    await queue.enqueue(rerunJob(context, payload.repository.owner.login, payload.repository.name, installationId, branch ?? null, payload.check_run.head_sha));
  };
}

export function handleCheckSuiteRerequested(queue: JobQueue) {
  return async (context: Context<"check_suite.rerequested">): Promise<void> => {
    const { payload } = context;
    const installationId = payload.installation?.id;
    if (!installationId) return;
    const suite = payload.check_suite;
    await queue.enqueue(rerunJob(context, payload.repository.owner.login, payload.repository.name, installationId, suite.head_branch, suite.head_sha));
  };
}
