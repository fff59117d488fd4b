/**
 * GitHub `push`: one mirror job for the repository; a changed .mirror.yml is validated too.
 * `fanOutPush` is the one way in for pushes: the app's own webhook route (github-webhook-route.ts)
 * and Probot's `app.on("push")` (its relocated route, webhook proxy, `probot.receive`) both call
 * the handler it builds, so every push handler sees every delivery, whichever route it came by.
 */
import type { Logger } from "pino";
import type { Context } from "probot";
import type { Metrics } from "../status/types.js";
import { CONFIG_FILE } from "../worker/config-check.js";
import { githubPushJob, type MirrorQueue } from "../worker/mirror-job.js";

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

export type PushHandler = (delivery: PushDelivery) => Promise<void>;

/**
 * Runs every push handler on the delivery; one failing does not keep the others from running.
 * Failures are rethrown so the route answers 500 and logs them (GitHub shows the delivery failed).
 */
export function fanOutPush(handlers: PushHandler[]): PushHandler {
  return async (delivery) => {
    const results = await Promise.allSettled(handlers.map((handle) => handle(delivery)));
    const failures = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new AggregateError(failures, `${failures.length} push handlers failed`);
  };
}

/** A Probot Context has the delivery's shape: Probot's deliveries take the same way in. */
export function fromProbot(onPush: PushHandler) {
  return (context: Context<"push">): Promise<void> => onPush({ id: context.id, payload: context.payload, log: context.log });
}

export function handlePush(queue: MirrorQueue, metrics?: Metrics) {
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
    const job = githubPushJob({ installationId, owner, repo }, context.id, {
      ref: payload.ref,
      sha: deleted ? null : payload.after,
      before: SHA.test(payload.before) && !ZERO_SHA.test(payload.before) ? payload.before : null,
      configChanged: pushTouchesConfig(payload.commits ?? []),
      repository: {
        defaultBranch: payload.repository.default_branch ?? payload.repository.master_branch ?? "main",
        cloneUrl: payload.repository.clone_url,
        htmlUrl: payload.repository.html_url,
        private: payload.repository.private,
        visibility: (payload.repository.visibility as "public" | "private" | "internal" | undefined) ?? (payload.repository.private ? "private" : "public"),
      },
    });
    const outcome = await queue.enqueue(job);
    metrics?.webhookReceived({ event: "push", outcome });
    context.log.debug({ outcome, ref: payload.ref, delivery: context.id }, `push ${outcome}`);
  };
}
