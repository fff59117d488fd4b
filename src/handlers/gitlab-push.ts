/**
 * GitLab webhooks at `POST /api/gitlab/webhooks`, as a Probot `addHandler` route: the only code
 * that knows GitLab's push payloads. `X-Gitlab-Token` is compared in constant time with
 * GITLAB_WEBHOOK_SECRET (anything else: 401, nothing read); Push Hook and Tag Push Hook enqueue one
 * job per GitHub repository that pulls from the project (per the index; the worker confirms
 * against the config it reads); Pipeline Hook and Job Hook refresh the pipeline's check run on every
 * GitHub repository reporting the project's pipelines (pipelines/pipeline-reporter.ts, in the
 * background); every other event is acknowledged and ignored. It answers at once:
 * when the index knows no repository for the project, it answers "checking" and, in the
 * background, rescans the configs (project-links.ts) before it enqueues or drops the push (GitLab
 * gives a hook 10 s and disables hooks that keep failing, so the rescan must not hold the answer).
 */
import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { GITLAB_WEBHOOK_PATH } from "../gitlab/hooks.js";
import type { IndexedRepository } from "../index/mirror-index.js";
import type { ProjectLinks } from "../index/project-links.js";
import { isAppJob } from "../pipelines/pipeline-status.js";
import type { PipelineReporter } from "../pipelines/pipeline-reporter.js";
import type { Metrics } from "../status/types.js";
import type { BackgroundTasks } from "../worker/background.js";
import { gitlabPushJob, type MirrorQueue } from "../worker/mirror-job.js";
import { readBody } from "./read-body.js";

const HANDLED_EVENTS = new Set(["Push Hook", "Tag Push Hook"]);
const PIPELINE_EVENTS = new Set(["Pipeline Hook", "Job Hook"]);
const MAX_BODY_BYTES = 25 * 1024 * 1024; // GitLab's own limit for webhook payloads
const ZERO_SHA = /^0+$/;
const SHA = /^[0-9a-f]{40,64}$/;

export interface GitLabWebhookOptions {
  /** GITLAB_WEBHOOK_SECRET; without it every delivery is refused. */
  secret: string | undefined;
  links: Pick<ProjectLinks, "known" | "afterMiss" | "reportingPipelines">;
  /** Pipeline and Job events (absent: they are acknowledged and ignored). */
  pipelines?: Pick<PipelineReporter, "refresh">;
  /** Where a miss's rescan runs, so shutdown waits for it. */
  background: Pick<BackgroundTasks, "run">;
  queue: Pick<MirrorQueue, "enqueue">;
  log: Pick<Logger, "info" | "warn" | "debug">;
  metrics?: Metrics;
}

export type GitLabWebhookHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/** Hashing first makes the comparison constant-time whatever the lengths. */
export function tokenMatches(given: string | undefined, secret: string | undefined): boolean {
  if (!secret || given === undefined) return false;
  const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();
  return timingSafeEqual(digest(given), digest(secret));
}

interface PushPayload {
  project_id?: unknown;
  project?: { path_with_namespace?: unknown };
  ref?: unknown;
  before?: unknown;
  after?: unknown;
}

export function createGitLabWebhookHandler(options: GitLabWebhookOptions): GitLabWebhookHandler {
  if (!options.secret) options.log.warn("GITLAB_WEBHOOK_SECRET is not set: GitLab webhooks will be refused (pull and both mirrors wait for GitHub events)");

  return async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname !== GITLAB_WEBHOOK_PATH) return false;
    if (req.method !== "POST") return (void send(res, 405, { message: "Use POST" }, { allow: "POST" }), true);

    const token = req.headers["x-gitlab-token"];
    if (!tokenMatches(typeof token === "string" ? token : undefined, options.secret)) {
      req.resume();
      options.log.warn({ event: req.headers["x-gitlab-event"] }, "GitLab webhook refused: missing or wrong X-Gitlab-Token");
      options.metrics?.webhookReceived({ event: "gitlab", outcome: "unauthorized" });
      send(res, 401, { message: "Unauthorized" });
      return true;
    }
    const event = String(req.headers["x-gitlab-event"] ?? "");
    const uuid = String(req.headers["x-gitlab-event-uuid"] ?? req.headers["idempotency-key"] ?? randomUUID());
    const body = await readBody(req, MAX_BODY_BYTES);
    if (body === null) return (void send(res, 400, { message: "Payload too large" }), true);
    let payload: PushPayload;
    try {
      payload = JSON.parse(body.toString("utf8")) as PushPayload;
    } catch {
      send(res, 400, { message: "Body is not JSON" });
      return true;
    }
    if (PIPELINE_EVENTS.has(event) && options.pipelines) {
      send(res, 200, { outcome: await reportPipeline(event, payload as PipelinePayload, uuid, options, options.pipelines) });
      return true;
    }
    if (!HANDLED_EVENTS.has(event)) {
      options.log.debug({ event, delivery: uuid }, "GitLab event ignored");
      options.metrics?.webhookReceived({ event: "gitlab", outcome: "ignored" });
      send(res, 200, { outcome: "ignored" });
      return true;
    }
    const outcome = await enqueueFor(payload, uuid, options);
    send(res, 200, { outcome });
    return true;
  };
}

async function enqueueFor(payload: PushPayload, uuid: string, options: GitLabWebhookOptions): Promise<string> {
  const { links, log, metrics } = options;
  const projectId = typeof payload.project_id === "number" ? payload.project_id : undefined;
  const projectPath = typeof payload.project?.path_with_namespace === "string" ? payload.project.path_with_namespace : undefined;
  const ref = typeof payload.ref === "string" ? payload.ref : undefined;
  const after = typeof payload.after === "string" ? payload.after : undefined;
  const before = typeof payload.before === "string" && SHA.test(payload.before) && !ZERO_SHA.test(payload.before) ? payload.before : undefined;
  if (projectId === undefined || !ref || !after) {
    metrics?.webhookReceived({ event: "gitlab", outcome: "ignored" });
    return "ignored";
  }
  const push: GitLabPush = { projectId, projectPath, ref, before, after, uuid };
  const linked = await links.known({ id: projectId, path: projectPath });
  if (linked.length > 0) return enqueueJobs(push, linked, options);
  // The index may not know yet: another replica read the config, or a repository got it unseen.
  log.debug({ project: projectPath ?? projectId, delivery: uuid }, "GitLab push for a project the index does not know: rescanning the configs");
  options.background.run(
    links.afterMiss({ id: projectId, path: projectPath }).then(async (routing) => {
      if (routing.linked.length > 0) return enqueueJobs(push, routing.linked, options);
      log.info({ project: projectPath ?? projectId, ref, delivery: uuid, reason: routing.reason }, `GitLab push dropped: ${routing.reason}`);
      metrics?.webhookReceived({ event: "gitlab", outcome: "ignored" });
    }),
    { what: `route GitLab push ${uuid} of ${projectPath ?? projectId} after a rescan: dropped` },
  );
  return "checking";
}

interface PipelinePayload {
  object_kind?: unknown;
  /** Job Hook. */
  project_id?: unknown;
  pipeline_id?: unknown;
  build_name?: unknown;
  ref?: unknown;
  project?: { id?: unknown; path_with_namespace?: unknown; web_url?: unknown };
  /** Pipeline Hook. */
  object_attributes?: { id?: unknown; ref?: unknown; source?: unknown };
  builds?: unknown;
}

/** A Pipeline Hook or Job Hook: the pipeline's check run is refreshed from GitLab in the background, for every repository reporting it. */
async function reportPipeline(event: string, payload: PipelinePayload, uuid: string, options: GitLabWebhookOptions, pipelines: Pick<PipelineReporter, "refresh">): Promise<string> {
  const { links, log, metrics, background } = options;
  const isJob = event === "Job Hook";
  const projectId = num(isJob ? payload.project_id : payload.project?.id) ?? num(payload.project_id);
  const pipelineId = num(isJob ? payload.pipeline_id : payload.object_attributes?.id);
  const projectPath = typeof payload.project?.path_with_namespace === "string" ? payload.project.path_with_namespace : undefined;
  const projectWebUrl = typeof payload.project?.web_url === "string" ? payload.project.web_url : undefined;
  const ref = String((isJob ? payload.ref : payload.object_attributes?.ref) ?? "");
  const ignore = (why: string) => {
    log.debug({ event, project: projectPath ?? projectId, pipeline: pipelineId, delivery: uuid }, `GitLab ${event} ignored: ${why}`);
    metrics?.webhookReceived({ event: "gitlab", outcome: "ignored" });
    return "ignored";
  };
  if (projectId === undefined || pipelineId === undefined) return ignore("no project or pipeline id");
  if (isJob && typeof payload.build_name === "string" && isAppJob(payload.build_name)) return ignore(`${payload.build_name} is the app's own commit status`);
  // The pipeline GitLab made for the app's own commit statuses has no CI job (`builds`) of its own: nothing to ask GitLab about.
  if (!isJob && Array.isArray(payload.builds) && payload.builds.every((b) => isAppJob(String((b as { name?: unknown }).name ?? ""))))
    return ignore("no CI job of its own (only the app's commit statuses)");
  if (payload.object_attributes?.source === "merge_request_event" || ref.startsWith("refs/merge-requests/")) return ignore("a merge request pipeline (GitHub has no such commit)");
  const linked = await links.reportingPipelines({ id: projectId, path: projectPath });
  if (linked.length === 0) return ignore("no repository reports this project's pipelines");
  for (const entry of linked) {
    const repo = { installationId: entry.installationId, owner: entry.owner, repo: entry.repo };
    background.run(pipelines.refresh(repo, { projectId, projectPath, projectWebUrl, pipelineId }), {
      what: `report pipeline ${pipelineId} of ${projectPath ?? projectId} on ${entry.owner}/${entry.repo}`,
    });
  }
  metrics?.webhookReceived({ event: "gitlab", outcome: "enqueued" });
  return "reporting";
}

const num = (value: unknown) => (typeof value === "number" && Number.isSafeInteger(value) ? value : undefined);

interface GitLabPush {
  projectId: number;
  projectPath: string | undefined;
  ref: string;
  /** The ref's tip before the push (absent for a new ref). */
  before: string | undefined;
  after: string;
  uuid: string;
}

async function enqueueJobs(push: GitLabPush, linked: IndexedRepository[], { queue, log, metrics }: GitLabWebhookOptions): Promise<string> {
  const { projectId, projectPath, ref, before, after, uuid } = push;
  const deleted = ZERO_SHA.test(after) || !SHA.test(after);
  const outcomes: string[] = [];
  for (const entry of linked) {
    // One GitLab event can feed several repositories: each job needs its own delivery id.
    const deliveryId = `gitlab:${uuid}:${entry.owner}/${entry.repo}`.toLowerCase();
    const job = gitlabPushJob(entry, deliveryId, { projectId, ref, sha: deleted ? null : after, before: before ?? null });
    const outcome = await queue.enqueue(job);
    metrics?.webhookReceived({ event: "gitlab", outcome });
    log.info({ project: projectPath ?? projectId, ref, delivery: uuid, repo: `${entry.owner}/${entry.repo}`, outcome }, `GitLab push ${outcome}`);
    outcomes.push(outcome);
  }
  return outcomes.join(",");
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}
