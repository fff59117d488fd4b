/** "Re-run" on one of our check runs (or the whole suite) mirrors the repository again. */
import type { Context } from "probot";
import type { Metrics } from "../status/types.js";
import { rerunJob, type MirrorQueue } from "../worker/mirror-job.js";

const OUR_CHECK = /^GitLab mirror\b/;

const target = (repository: { owner: { login: string }; name: string }, installationId: number) => ({ installationId, owner: repository.owner.login, repo: repository.name });

export function handleCheckRunRerequested(queue: MirrorQueue, metrics?: Metrics) {
  return async (context: Context<"check_run.rerequested">): Promise<void> => {
    const { payload } = context;
    const installationId = payload.installation?.id;
    if (!installationId || !OUR_CHECK.test(payload.check_run.name)) {
      metrics?.webhookReceived({ event: "check_run", outcome: "ignored" });
      return;
    }
    const branch = payload.check_run.check_suite.head_branch;
    const outcome = await queue.enqueue(
      rerunJob(target(payload.repository, installationId), context.id, branch ? { ref: `refs/heads/${branch}`, sha: payload.check_run.head_sha } : null),
    );
    metrics?.webhookReceived({ event: "check_run", outcome });
  };
}

export function handleCheckSuiteRerequested(queue: MirrorQueue, metrics?: Metrics) {
  return async (context: Context<"check_suite.rerequested">): Promise<void> => {
    const { payload } = context;
    const installationId = payload.installation?.id;
    if (!installationId) return;
    const suite = payload.check_suite;
    const outcome = await queue.enqueue(
      rerunJob(target(payload.repository, installationId), context.id, suite.head_branch ? { ref: `refs/heads/${suite.head_branch}`, sha: suite.head_sha } : null),
    );
    metrics?.webhookReceived({ event: "check_suite", outcome });
  };
}
