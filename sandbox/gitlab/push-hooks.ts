/**
 * What GitLab does after a push: one "Push Hook" per branch and one "Tag Push Hook" per tag,
 * sent to every project hook that asked for that kind of event (and whose branch filter matches).
 */
import { randomUUID } from "node:crypto";
import { describeCommits } from "../work-repo.js";
import type { RefChange } from "../work-repo.js";
import { newCommitsOf, type RefsAroundPush } from "../push-watcher.js";
import { deliverGitLabWebhook } from "../webhook-delivery.js";
import { buildGitLabPushEvent, matchesPattern } from "./events.js";
import type { GitLabState, HookRecord, ProjectRecord } from "./state.js";

export interface HookDelivery {
  hookId: number;
  url: string;
  event: "Push Hook" | "Tag Push Hook";
  ref: string;
  /** X-Gitlab-Event-UUID of the delivery (what receivers de-duplicate on). */
  eventUuid: string;
  /** Set once answered. */
  status?: number;
  error?: string;
  ms?: number;
}

/** GitLab lists at most 20 commits in a push payload (total_commits_count has them all). */
const MAX_COMMITS = 20;

export function wantsPushHooks(project: ProjectRecord | undefined): project is ProjectRecord {
  return !!project?.hooks.some((h) => h.push_events || h.tag_push_events);
}

function hooksFor(project: ProjectRecord, ref: string): HookRecord[] {
  if (ref.startsWith("refs/tags/")) return project.hooks.filter((h) => h.tag_push_events);
  const branch = ref.replace(/^refs\/heads\//, "");
  return project.hooks.filter((h) => h.push_events && (!h.push_events_branch_filter || matchesPattern(h.push_events_branch_filter, branch)));
}

export async function deliverPushHooks(
  state: GitLabState,
  project: ProjectRecord,
  changes: RefChange[],
  refs: RefsAroundPush,
  deliveries: HookDelivery[],
  instanceUrl: string,
): Promise<void> {
  for (const change of changes) {
    const hooks = hooksFor(project, change.ref);
    if (hooks.length === 0) continue;
    const { shas, total } = await newCommitsOf(project.bareDir, change, refs, MAX_COMMITS);
    const commits = (await describeCommits(project.bareDir, shas)).map((d) => ({
      id: d.id,
      message: d.message,
      timestamp: new Date(d.time * 1000).toISOString().replace(/\.\d{3}Z$/, "+00:00"),
      author: d.author,
      added: d.added,
      modified: d.modified,
      removed: d.removed,
    }));
    const payload = buildGitLabPushEvent(state, project, { ...change, commits, totalCommitsCount: total });
    const event = change.ref.startsWith("refs/tags/") ? "Tag Push Hook" : "Push Hook";
    await Promise.all(
      hooks.map(async (hook) => {
        const record: HookDelivery = { hookId: hook.id, url: hook.url, event, ref: change.ref, eventUuid: randomUUID() };
        deliveries.push(record);
        try {
          const result = await deliverGitLabWebhook(hook.url, event, payload, { token: hook.token, instanceUrl, eventUuid: record.eventUuid });
          record.status = result.status;
          record.ms = result.ms;
        } catch (error) {
          record.error = (error as Error).message;
        }
      }),
    );
  }
}
