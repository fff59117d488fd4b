/**
 * GitHub `push`: one mirror job for the repository; a changed .mirror.yml is validated too. Reached
 * from the app's own webhook route (github-webhook-route.ts) and, for deliveries that arrive
 * through Probot (its webhook proxy, `probot.receive`), from a Probot Context, which has the same shape.
 */
import type { Logger } from "pino";
import type { Context } from "probot";
import type { JobQueue } from "../queue/job-queue.js";
import type { Metrics } from "../status/types.js";
import { CONFIG_FILE } from "../worker/config-check.js";
import { jobKey, type MirrorJob } from "../worker/mirror-job.js";

const ZERO_SHA = /^0+$/;
const SHA = /^[0-9a-f]{40,64}$/;

export function pushTouchesConfig(commits: Array<{ added?: string[]; modified?: string[] }>): boolean {
  return commits.some((c) => [...(c.added ?? []), ...(c.modified ?? [])].includes(CONFIG_FILE));
}

export interface PushDelivery {
  id: string;
  payload: Context<"push">["payload"];
  log: Pick<Logger, "debug">;
}

export function handlePush(queue: JobQueue, metrics?: Metrics) {
  return async (context: PushDelivery): Promise<void> => {
    const { payload } = context;
    const installationId = payload.installation?.id;
    if (!installationId) {
      metrics?.webhookReceived({ event: "push", outcome: "ignored" });
      return;
    }
    const owner = payload.repository.owner?.login ?? payload.repository.owner?.name ?? "";
    const repo = payload.repository.name;
    const deleted = payload.deleted || ZERO_SHA.test(payload.after);
    const job: MirrorJob = {
      key: jobKey(owner, repo),
      installationId,
      owner,
      repo,
      deliveryIds: [context.id],
      reportTargets: deleted ? [] : [{ ref: payload.ref, sha: payload.after }],
      validateConfigAt: !deleted && pushTouchesConfig(payload.commits ?? []) ? [payload.after] : [],
      ...(SHA.test(payload.before) && !ZERO_SHA.test(payload.before) ? { befores: [{ side: "github" as const, ref: payload.ref, sha: payload.before }] } : {}),
      enqueuedAt: Date.now(),
      repository: {
        defaultBranch: payload.repository.default_branch ?? payload.repository.master_branch ?? "main",
        cloneUrl: payload.repository.clone_url,
        htmlUrl: payload.repository.html_url,
        private: payload.repository.private,
        visibility: (payload.repository.visibility as "public" | "private" | "internal" | undefined) ?? (payload.repository.private ? "private" : "public"),
      },
    };
    const outcome = await queue.enqueue(job);
    metrics?.webhookReceived({ event: "push", outcome });
    context.log.debug({ outcome, ref: payload.ref, delivery: context.id }, `push ${outcome}`);
  };
}
