/**
 * What GitHub does after a git push when the app's webhook URL is set: one `push` event per
 * changed ref, signed with the webhook secret, listing up to 2,048 new commits.
 */
import { randomUUID } from "node:crypto";
import { isoSeconds } from "./app-auth.js";
import { isForced, newCommitsOf, type RefsAroundPush } from "../push-watcher.js";
import { deliverGitHubWebhook } from "../webhook-delivery.js";
import { describeCommits, type RefChange } from "../work-repo.js";
import { buildPushEvent } from "./events.js";
import type { GitHubState, RepoRecord } from "./state.js";

export interface WebhookDelivery {
  event: "push";
  ref: string;
  deliveryId: string;
  url: string;
  /** Set once answered. */
  status?: number;
  error?: string;
  ms?: number;
}

const MAX_PUSH_COMMITS = 2048;

export async function sendPushWebhooks(
  state: GitHubState,
  repo: RepoRecord,
  changes: RefChange[],
  refs: RefsAroundPush,
  target: { url: string; secret: string },
  deliveries: WebhookDelivery[],
): Promise<void> {
  repo.pushedAt = Date.now();
  for (const change of changes) {
    const { shas } = await newCommitsOf(repo.bareDir, change, refs, MAX_PUSH_COMMITS);
    for (const commit of await describeCommits(repo.bareDir, shas)) {
      state.commits.set(commit.id, { ...commit, timestamp: isoSeconds(commit.time * 1000) });
    }
    const payload = buildPushEvent(state, repo, {
      ...change,
      commits: shas.map((id) => ({ id })),
      forced: await isForced(repo.bareDir, change),
    });
    const record: WebhookDelivery = { event: "push", ref: change.ref, deliveryId: randomUUID(), url: target.url };
    deliveries.push(record);
    try {
      const result = await deliverGitHubWebhook(target.url, "push", payload, { secret: target.secret, deliveryId: record.deliveryId, appId: state.app.id });
      record.status = result.status;
      record.ms = result.ms;
    } catch (error) {
      record.error = (error as Error).message;
    }
  }
}
