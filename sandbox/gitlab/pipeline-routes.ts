/**
 * Pipelines and jobs (`/projects/:id/pipelines`, `/projects/:id/jobs`), shaped like the examples
 * in GitLab's Pipelines and Jobs API documentation. The jobs API lists CI jobs only: the external
 * jobs commit statuses make are not in it (GitLab lists those under the commit's statuses).
 */
import { HttpError, paginate, type ApiRequest, type Router } from "../http/router.js";
import { requireToken } from "./auth.js";
import { userObject } from "./objects.js";
import { latestJobs, type Pipelines } from "./pipelines.js";
import type { GitLabState, JobRecord, PipelineRecord, ProjectRecord } from "./state.js";

type Json = Record<string, unknown>;

const duration = (from: string | null, to: string | null) => (from && to ? (Date.parse(to) - Date.parse(from)) / 1000 : null);

export function pipelineBasic(state: GitLabState, project: ProjectRecord, p: PipelineRecord): Json {
  return {
    id: p.id,
    iid: p.iid,
    project_id: project.id,
    sha: p.sha,
    ref: p.ref,
    status: p.status,
    source: p.source,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
    web_url: `${state.urls.web}/${project.pathWithNamespace}/-/pipelines/${p.id}`,
    name: p.name,
  };
}

export function pipelineObject(state: GitLabState, project: ProjectRecord, p: PipelineRecord): Json {
  const label = p.status === "success" ? "passed" : p.status;
  return {
    ...pipelineBasic(state, project, p),
    before_sha: p.beforeSha,
    tag: p.tag,
    yaml_errors: null,
    user: userObject(state),
    started_at: p.startedAt,
    finished_at: p.finishedAt,
    committed_at: null,
    duration: duration(p.startedAt, p.finishedAt),
    queued_duration: null,
    coverage: null,
    detailed_status: {
      icon: `status_${p.status}`,
      text: label,
      label,
      group: p.status,
      tooltip: label,
      has_details: true,
      details_path: `/${project.pathWithNamespace}/-/pipelines/${p.id}`,
      illustration: null,
      favicon: `/assets/ci_favicons/favicon_status_${p.status}.png`,
    },
  };
}

export function jobObject(state: GitLabState, project: ProjectRecord, p: PipelineRecord, j: JobRecord): Json {
  return {
    id: j.id,
    name: j.name,
    stage: j.stage,
    status: j.status,
    ref: p.ref,
    tag: p.tag,
    coverage: null,
    allow_failure: j.allowFailure,
    created_at: j.createdAt,
    started_at: j.startedAt,
    finished_at: j.finishedAt,
    erased_at: null,
    duration: duration(j.startedAt, j.finishedAt),
    queued_duration: null,
    failure_reason: j.failureReason ?? undefined,
    user: userObject(state),
    commit: { id: p.sha, short_id: p.sha.slice(0, 8), title: "", message: "", created_at: p.createdAt },
    pipeline: { id: p.id, project_id: project.id, ref: p.ref, sha: p.sha, status: p.status },
    web_url: `${state.urls.web}/${project.pathWithNamespace}/-/jobs/${j.id}`,
    project: { ci_job_token_scope_enabled: false },
    artifacts: [],
    runner: null,
    tag_list: [],
    retried: j.retried,
  };
}

export function pipelineRoutes(router: Router, state: GitLabState, pipelines: Pipelines): void {
  const project = (req: ApiRequest): ProjectRecord => {
    requireToken(state, req);
    return state.project(req.params.id!);
  };
  const pipelineOf = (p: ProjectRecord, id: string | undefined): PipelineRecord => {
    const found = p.pipelines.find((x) => x.id === Number(id));
    if (!found) throw new HttpError(404, { message: "404 Not found" });
    return found;
  };
  const jobOf = (p: ProjectRecord, id: string | undefined): { pipeline: PipelineRecord; job: JobRecord } => {
    for (const pipeline of p.pipelines) {
      const job = pipeline.jobs.find((j) => j.id === Number(id) && !j.external);
      if (job) return { pipeline, job };
    }
    throw new HttpError(404, { message: "404 Job Not Found" });
  };

  router
    .on("GET", "/projects/:id/pipelines", (req) => {
      const p = project(req);
      const { sha, ref, status } = Object.fromEntries(["sha", "ref", "status"].map((k) => [k, req.query.get(k)]));
      const after = req.query.get("updated_after");
      let list = p.pipelines.filter(
        (x) => (!sha || x.sha === sha) && (!ref || x.ref === ref) && (!status || x.status === status) && (!after || Date.parse(x.updatedAt) > Date.parse(after)),
      );
      const byUpdated = req.query.get("order_by") === "updated_at";
      list = [...list].sort((a, b) => (byUpdated ? Date.parse(a.updatedAt) - Date.parse(b.updatedAt) || a.id - b.id : a.id - b.id));
      if (req.query.get("sort") !== "asc") list.reverse();
      const { page, headers } = paginate(req, list, { baseUrl: state.urls.api, defaultPerPage: 20, gitlab: true });
      return { status: 200, headers, body: page.map((x) => pipelineBasic(state, p, x)) };
    })
    .on("GET", "/projects/:id/pipelines/:pipeline_id", (req) => {
      const p = project(req);
      return { status: 200, body: pipelineObject(state, p, pipelineOf(p, req.params.pipeline_id)) };
    })
    .on("GET", "/projects/:id/pipelines/:pipeline_id/jobs", (req) => {
      const p = project(req);
      const pipeline = pipelineOf(p, req.params.pipeline_id);
      const jobs = (req.query.get("include_retried") === "true" ? pipeline.jobs : latestJobs(pipeline)).filter((j) => !j.external);
      const { page, headers } = paginate(req, jobs, { baseUrl: state.urls.api, defaultPerPage: 20, gitlab: true });
      return { status: 200, headers, body: page.map((j) => jobObject(state, p, pipeline, j)) };
    })
    .on("GET", "/projects/:id/jobs/:job_id", (req) => {
      const p = project(req);
      const { pipeline, job } = jobOf(p, req.params.job_id);
      return { status: 200, body: jobObject(state, p, pipeline, job) };
    })
    .on("GET", "/projects/:id/jobs/:job_id/trace", (req) => {
      const p = project(req);
      return { status: 200, headers: { "content-type": "text/plain; charset=utf-8" }, body: jobOf(p, req.params.job_id).job.log };
    })
    .on("POST", "/projects/:id/pipelines/:pipeline_id/retry", (req) => {
      const p = project(req);
      const pipeline = pipelineOf(p, req.params.pipeline_id);
      pipelines.retry(p, pipeline);
      return { status: 201, body: pipelineObject(state, p, pipeline) };
    })
    .on("POST", "/projects/:id/pipelines/:pipeline_id/cancel", (req) => {
      const p = project(req);
      const pipeline = pipelineOf(p, req.params.pipeline_id);
      pipelines.cancel(p, pipeline);
      return { status: 200, body: pipelineObject(state, p, pipeline) };
    });
}
