/**
 * CI pipelines in the fake GitLab: a pipeline is a list of jobs in stages, and its status is
 * composed from its latest jobs as GitLab composes it. Tests and the demo "run" a pipeline
 * through its states (`runPipeline`); each change sends a Job Hook, and each change of the
 * pipeline's status a Pipeline Hook, to the project hooks that asked for them (payloads shaped
 * like the examples in GitLab's webhook events documentation). Retry and cancel work as on
 * GitLab: a retry keeps the pipeline id and replaces its failed, cancelled and skipped jobs.
 *
 * GitLab's trap is here too: a commit status posted through the API becomes an external job
 * (stage "external") of the commit's latest pipeline for that ref, or of a new pipeline made for
 * it, and changes that pipeline's status like any job (attachStatus).
 */
import { randomUUID } from "node:crypto";
import { deliverGitLabWebhook } from "../webhook-delivery.js";
import { USER, type CiStatus, type GitLabState, type JobRecord, type PipelineRecord, type ProjectRecord, type StatusRecord } from "./state.js";

export interface JobSpec {
  name: string;
  stage?: string;
  allowFailure?: boolean;
  when?: "on_success" | "manual";
  /** The raw log the job writes; default: a runner-like log ending in its outcome. */
  log?: string;
  /** How long the job reports it ran, in seconds (the sandbox runs jobs at once). */
  durationS?: number;
}

export interface PipelineHookDelivery {
  hookId: number;
  event: "Pipeline Hook" | "Job Hook";
  pipelineId: number;
  status: string;
  /** Set once answered. */
  answer?: number;
  error?: string;
}

type Json = Record<string, unknown>;

const ACTIVE: CiStatus[] = ["created", "pending", "running"];
const iso = () => new Date().toISOString();
const hookTime = (at: string | null) => (at ? at.replace("T", " ").replace(/\.\d+Z$/, " UTC") : null);
const seconds = (from: string | null, to: string | null) => (from && to ? (Date.parse(to) - Date.parse(from)) / 1000 : null);

/** The jobs that count: each job's latest try. */
export const latestJobs = (pipeline: PipelineRecord) => pipeline.jobs.filter((j) => !j.retried);

/** GitLab's composite status of a set of jobs. */
export function composeStatus(jobs: JobRecord[]): CiStatus {
  if (jobs.length === 0) return "created";
  if (jobs.some((j) => j.status === "running")) return "running";
  if (jobs.some((j) => ACTIVE.includes(j.status))) return jobs.some((j) => !ACTIVE.includes(j.status) && j.status !== "manual") ? "running" : "pending";
  if (jobs.some((j) => j.status === "failed" && !j.allowFailure)) return "failed";
  if (jobs.some((j) => j.status === "canceled")) return "canceled";
  if (jobs.some((j) => j.status === "manual" && !j.allowFailure)) return "manual";
  if (jobs.every((j) => j.status === "skipped")) return "skipped";
  return "success";
}

/** A runner's log: colours, collapsible sections, and the outcome at the end. */
export function runnerLog(job: Pick<JobRecord, "name">, outcome: "success" | "failed"): string {
  const t = 1_700_000_000;
  const lines = [
    "\x1b[0KRunning with gitlab-runner 17.0.0 (sandbox)\x1b[0;m",
    `section_start:${t}:prepare_executor\r\x1b[0K\x1b[0K\x1b[36;1mPreparing the "docker" executor\x1b[0;m`,
    "\x1b[0KUsing docker image node:20\x1b[0;m",
    `section_end:${t + 2}:prepare_executor\r\x1b[0K`,
    `section_start:${t + 2}:step_script\r\x1b[0K\x1b[0K\x1b[36;1mExecuting "step_script" stage of the job script\x1b[0;m`,
    `\x1b[32;1m$ npm run ${job.name}\x1b[0;m`,
    ...Array.from({ length: 45 }, (_, i) => `  ✓ ${job.name} check ${i + 1} (${(i % 7) + 1} ms)`),
    ...(outcome === "failed"
      ? [
          `  ✗ ${job.name} check 46: expected 200, got 500`,
          "    at Object.<anonymous> (test/api.test.ts:42:5)",
          `section_end:${t + 9}:step_script\r\x1b[0K`,
          "\x1b[31;1mERROR: Job failed: exit code 1\x1b[0;m",
        ]
      : [`section_end:${t + 9}:step_script\r\x1b[0K`, "\x1b[32;1mJob succeeded\x1b[0;m"]),
  ];
  return `${lines.join("\n")}\n`;
}

export class Pipelines {
  /** Every pipeline and job hook sent, in order. */
  readonly deliveries: PipelineHookDelivery[] = [];
  /** Hooks are sent one at a time, in the order the changes happened, as GitLab's queue does for one pipeline. */
  #queue: Promise<void> = Promise.resolve();
  /** Pipelines whose creation was announced (a Pipeline Hook is sent when one is created). */
  readonly #announced = new WeakSet<PipelineRecord>();

  constructor(
    private readonly state: GitLabState,
    private readonly instanceUrl: () => string,
  ) {}

  /** Resolves once every hook queued so far has been answered. */
  settled(): Promise<void> {
    return this.#queue;
  }

  create(project: ProjectRecord, options: { sha: string; ref: string; jobs: JobSpec[]; name?: string | null; source?: string; beforeSha?: string; id?: number }): PipelineRecord {
    const now = iso();
    const stages = [...new Set(options.jobs.map((j) => j.stage ?? "test"))];
    const pipeline: PipelineRecord = {
      id: options.id ?? this.state.nextId("pipeline"),
      iid: project.pipelines.length + 1,
      sha: options.sha,
      beforeSha: options.beforeSha ?? "0".repeat(40),
      ref: options.ref.replace(/^refs\/(heads|tags)\//, ""),
      tag: options.ref.startsWith("refs/tags/"),
      source: options.source ?? "push",
      name: options.name ?? null,
      status: "created",
      stages,
      jobs: options.jobs.map((spec) => ({
        id: this.state.nextId("job"),
        name: spec.name,
        stage: spec.stage ?? "test",
        status: spec.when === "manual" ? "manual" : "created",
        allowFailure: spec.allowFailure ?? spec.when === "manual",
        when: spec.when ?? "on_success",
        createdAt: now,
        startedAt: null,
        finishedAt: null,
        failureReason: null,
        log: spec.log ?? "",
        retried: false,
        external: false,
        ...(spec.durationS !== undefined ? { durationS: spec.durationS } : {}),
      })),
      createdAt: now,
      updatedAt: now,
      startedAt: null,
      finishedAt: null,
    };
    project.pipelines.push(pipeline);
    // Created, then pending once its first stage's jobs wait for a runner.
    this.#recompute(project, pipeline);
    for (const job of latestJobs(pipeline).filter((j) => j.stage === stages[0] && j.status === "created")) this.#setJob(project, pipeline, job, "pending");
    return pipeline;
  }

  /**
   * Runs the pipeline's waiting jobs stage by stage to the given outcomes (default success): each
   * job goes running, then to its outcome; after a stage with a failure that may not fail, the
   * later stages are skipped. Resolves when every hook it caused has been answered.
   */
  async run(project: ProjectRecord, pipeline: PipelineRecord, outcomes: Record<string, "success" | "failed"> = {}): Promise<void> {
    let failed = false;
    for (const stage of pipeline.stages) {
      const waiting = latestJobs(pipeline).filter((j) => j.stage === stage && !j.external && (j.status === "created" || j.status === "pending"));
      if (failed) {
        for (const job of waiting) this.#setJob(project, pipeline, job, "skipped");
        continue;
      }
      for (const job of waiting) this.#setJob(project, pipeline, job, "running");
      for (const job of waiting) {
        const outcome = outcomes[job.name] ?? "success";
        if (!job.log) job.log = runnerLog(job, outcome);
        if (outcome === "failed") job.failureReason = "script_failure";
        this.#setJob(project, pipeline, job, outcome);
        if (outcome === "failed" && !job.allowFailure) failed = true;
      }
    }
    await this.settled();
  }

  /** POST .../retry: failed, cancelled and skipped jobs are replaced by new ones, under the same pipeline id. */
  retry(project: ProjectRecord, pipeline: PipelineRecord): void {
    const again = latestJobs(pipeline).filter((j) => !j.external && ["failed", "canceled", "skipped"].includes(j.status));
    const firstStage = pipeline.stages.find((s) => again.some((j) => j.stage === s));
    for (const old of again) {
      old.retried = true;
      pipeline.jobs.push({
        ...old,
        id: this.state.nextId("job"),
        status: "created",
        createdAt: iso(),
        startedAt: null,
        finishedAt: null,
        failureReason: null,
        log: "",
        retried: false,
      });
    }
    pipeline.finishedAt = null;
    for (const job of latestJobs(pipeline).filter((j) => j.stage === firstStage && j.status === "created")) this.#setJob(project, pipeline, job, "pending");
  }

  /** POST .../cancel: every job still to run or running is cancelled. */
  cancel(project: ProjectRecord, pipeline: PipelineRecord): void {
    for (const job of latestJobs(pipeline).filter((j) => !j.external && ACTIVE.includes(j.status))) this.#setJob(project, pipeline, job, "canceled");
  }

  /**
   * A commit status posted through the API: an external job of the latest pipeline of that commit
   * and ref, or of a new pipeline (source "external") made for it.
   */
  attachStatus(project: ProjectRecord, status: StatusRecord): void {
    let pipeline = project.pipelines.find((p) => p.id === status.pipeline_id);
    pipeline ??= this.create(project, { sha: status.sha, ref: status.ref, jobs: [], source: "external", id: status.pipeline_id });
    if (!pipeline.stages.includes("external")) pipeline.stages.push("external");
    let job = latestJobs(pipeline).find((j) => j.external && j.name === status.name);
    if (!job) {
      job = {
        id: status.id,
        name: status.name,
        stage: "external",
        status: "created",
        allowFailure: false,
        when: "on_success",
        createdAt: status.created_at,
        startedAt: null,
        finishedAt: null,
        failureReason: null,
        log: "",
        retried: false,
        external: true,
      };
      pipeline.jobs.push(job);
    }
    this.#setJob(project, pipeline, job, status.status === "skipped" ? "skipped" : status.status);
  }

  /** The latest pipeline of a commit and ref, for a commit status to join. */
  latestFor(project: ProjectRecord, sha: string, ref: string): PipelineRecord | undefined {
    return project.pipelines.filter((p) => p.sha === sha && p.ref === ref).pop();
  }

  #setJob(project: ProjectRecord, pipeline: PipelineRecord, job: JobRecord, status: CiStatus): void {
    const now = iso();
    job.status = status;
    if (status === "running") job.startedAt = now;
    if (!ACTIVE.includes(status) && status !== "manual")
      job.finishedAt = job.startedAt && job.durationS ? new Date(Date.parse(job.startedAt) + job.durationS * 1000).toISOString() : now;
    this.#send(project, "Job Hook", pipeline, this.jobHook(project, pipeline, job));
    // The next stage's jobs wait for a runner once this stage is done.
    const stageDone = latestJobs(pipeline)
      .filter((j) => j.stage === job.stage && !j.external)
      .every((j) => !ACTIVE.includes(j.status));
    const next = pipeline.stages[pipeline.stages.indexOf(job.stage) + 1];
    if (stageDone && next && status !== "canceled" && status !== "skipped" && !(status === "failed" && !job.allowFailure)) {
      for (const waiting of latestJobs(pipeline).filter((j) => j.stage === next && j.status === "created")) this.#setJob(project, pipeline, waiting, "pending");
    }
    this.#recompute(project, pipeline);
  }

  #recompute(project: ProjectRecord, pipeline: PipelineRecord): void {
    const status = composeStatus(latestJobs(pipeline));
    const first = !this.#announced.has(pipeline);
    this.#announced.add(pipeline);
    if (status === pipeline.status && !first) return;
    pipeline.status = status;
    pipeline.updatedAt = iso();
    if (status === "running") pipeline.startedAt ??= pipeline.updatedAt;
    pipeline.finishedAt = ACTIVE.includes(status) ? null : pipeline.updatedAt;
    this.#send(project, "Pipeline Hook", pipeline, this.pipelineHook(project, pipeline));
  }

  /** Queues one delivery to every hook subscribed to this event; the payload is taken now. */
  #send(project: ProjectRecord, event: "Pipeline Hook" | "Job Hook", pipeline: PipelineRecord, payload: Json): void {
    const hooks = project.hooks.filter((h) => (event === "Pipeline Hook" ? h.pipeline_events : h.job_events));
    for (const hook of hooks) {
      const record: PipelineHookDelivery = { hookId: hook.id, event, pipelineId: pipeline.id, status: String(event === "Job Hook" ? payload.build_status : pipeline.status) };
      this.deliveries.push(record);
      this.#queue = this.#queue.then(async () => {
        try {
          record.answer = (await deliverGitLabWebhook(hook.url, event, payload, { token: hook.token, instanceUrl: this.instanceUrl(), eventUuid: randomUUID() })).status;
        } catch (error) {
          record.error = (error as Error).message;
        }
      });
    }
  }

  /** A "Pipeline Hook" payload of the pipeline as it is now. */
  pipelineHook(project: ProjectRecord, pipeline: PipelineRecord): Json {
    const { web } = this.state.urls;
    const p = project.pathWithNamespace;
    return {
      object_kind: "pipeline",
      object_attributes: {
        id: pipeline.id,
        iid: pipeline.iid,
        name: pipeline.name,
        ref: pipeline.ref,
        tag: pipeline.tag,
        sha: pipeline.sha,
        before_sha: pipeline.beforeSha,
        source: pipeline.source,
        status: pipeline.status,
        detailed_status: pipeline.status === "success" ? "passed" : pipeline.status,
        stages: pipeline.stages,
        created_at: hookTime(pipeline.createdAt),
        finished_at: hookTime(pipeline.finishedAt),
        duration: seconds(pipeline.startedAt, pipeline.finishedAt),
        queued_duration: null,
        variables: [],
        url: `${web}/${p}/-/pipelines/${pipeline.id}`,
      },
      merge_request: null,
      user: { id: USER.id, name: USER.name, username: USER.username, avatar_url: null, email: "[REDACTED]" },
      project: this.#projectJson(project),
      commit: {
        id: pipeline.sha,
        message: "",
        title: "",
        timestamp: pipeline.createdAt,
        url: `${web}/${p}/-/commit/${pipeline.sha}`,
        author: { name: USER.name, email: "[REDACTED]" },
      },
      source_pipeline: null,
      builds: latestJobs(pipeline)
        .filter((j) => !j.external)
        .map((j) => ({
          id: j.id,
          stage: j.stage,
          name: j.name,
          status: j.status,
          created_at: hookTime(j.createdAt),
          started_at: hookTime(j.startedAt),
          finished_at: hookTime(j.finishedAt),
          duration: seconds(j.startedAt, j.finishedAt),
          queued_duration: null,
          failure_reason: j.failureReason,
          when: j.when,
          manual: j.when === "manual",
          allow_failure: j.allowFailure,
          user: { id: USER.id, name: USER.name, username: USER.username, avatar_url: null, email: "[REDACTED]" },
          runner: null,
          artifacts_file: { filename: null, size: null },
          environment: null,
        })),
    };
  }

  /** A "Job Hook" payload of the job as it is now. */
  jobHook(project: ProjectRecord, pipeline: PipelineRecord, job: JobRecord): Json {
    const { web } = this.state.urls;
    return {
      object_kind: "build",
      ref: pipeline.ref,
      tag: pipeline.tag,
      before_sha: pipeline.beforeSha,
      sha: pipeline.sha,
      retries_count: pipeline.jobs.filter((j) => j.retried && j.name === job.name).length,
      build_id: job.id,
      build_name: job.name,
      build_stage: job.stage,
      build_status: job.status,
      build_created_at: hookTime(job.createdAt),
      build_started_at: hookTime(job.startedAt),
      build_finished_at: hookTime(job.finishedAt),
      build_duration: seconds(job.startedAt, job.finishedAt),
      build_queued_duration: null,
      build_allow_failure: job.allowFailure,
      build_failure_reason: job.failureReason ?? "unknown_failure",
      pipeline_id: pipeline.id,
      project_id: project.id,
      project_name: project.pathWithNamespace.split("/").join(" / "),
      runner: null,
      user: { id: USER.id, name: USER.name, username: USER.username, avatar_url: null, email: "[REDACTED]" },
      commit: {
        id: pipeline.id,
        name: pipeline.name,
        sha: pipeline.sha,
        message: "",
        author_name: USER.name,
        author_email: "[REDACTED]",
        author_url: `${web}/${USER.username}`,
        status: pipeline.status,
        duration: seconds(pipeline.startedAt, pipeline.finishedAt),
        started_at: hookTime(pipeline.startedAt),
        finished_at: hookTime(pipeline.finishedAt),
      },
      repository: {
        name: project.name,
        url: `${web}/${project.pathWithNamespace}.git`,
        description: "",
        homepage: `${web}/${project.pathWithNamespace}`,
        git_http_url: `${web}/${project.pathWithNamespace}.git`,
        git_ssh_url: "",
        visibility_level: 0,
      },
      project: this.#projectJson(project),
      environment: null,
    };
  }

  #projectJson(project: ProjectRecord): Json {
    const { web } = this.state.urls;
    const p = project.pathWithNamespace;
    return {
      id: project.id,
      name: project.name,
      description: null,
      web_url: `${web}/${p}`,
      avatar_url: null,
      git_ssh_url: `git@sandbox.test:${p}.git`,
      git_http_url: `${web}/${p}.git`,
      namespace: project.namespace.name,
      visibility_level: { private: 0, internal: 10, public: 20 }[project.visibility],
      path_with_namespace: p,
      default_branch: project.defaultBranch,
      ci_config_path: null,
    };
  }
}
