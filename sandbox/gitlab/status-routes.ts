/**
 * Commit statuses. Each becomes an external job of a pipeline (pipelines.ts attachStatus). GitLab backs each status with a CI job and refuses transitions the job's
 * state machine does not allow: posting "running" twice answers 400 "Cannot transition status
 * via :run from :running". The fake keeps that rule, because real apps trip over it.
 */
import { resolveCommit } from "../git.js";
import { HttpError, paginate, type Router } from "../http/router.js";
import { requireToken } from "./auth.js";
import { statusObject } from "./objects.js";
import { param } from "./project-routes.js";
import type { Pipelines } from "./pipelines.js";
import type { GitLabState, ProjectRecord, StatusRecord, StatusState } from "./state.js";

const STATES: StatusState[] = ["pending", "running", "success", "failed", "canceled", "skipped"];
const EVENT: Record<StatusState, string> = { pending: "enqueue", running: "run", success: "success", failed: "drop", canceled: "cancel", skipped: "skip" };
const ALLOWED_FROM: Record<string, StatusState[]> = {
  pending: ["running", "success", "failed", "canceled", "skipped"],
  running: ["success", "failed", "canceled"],
};

async function commitOf(project: ProjectRecord, ref: string, verified: Set<string>): Promise<string> {
  const key = `${project.id}:${ref}`;
  if (verified.has(key)) return ref;
  const sha = await resolveCommit(project.bareDir, ref);
  if (!sha) throw new HttpError(404, { message: "404 Commit Not Found" });
  if (sha === ref) verified.add(key);
  return sha;
}

export function statusRoutes(router: Router, state: GitLabState, pipelines: Pipelines): void {
  const verified = new Set<string>();

  router
    .on("POST", "/projects/:id/statuses/:sha", async (req) => {
      requireToken(state, req);
      const project = state.project(req.params.id!);
      const wanted = param(req, "state");
      if (wanted === undefined) throw new HttpError(400, { error: "state is missing" });
      if (!STATES.includes(wanted as StatusState)) throw new HttpError(400, { error: "state does not have a valid value" });
      const next = wanted as StatusState;
      const sha = await commitOf(project, req.params.sha!, verified);
      const ref = (param(req, "ref") as string | undefined) ?? project.defaultBranch;
      const name = String(param(req, "name") ?? param(req, "context") ?? "default");
      const now = new Date().toISOString();
      const open = project.statuses.filter((s) => s.sha === sha && s.ref === ref && s.name === name && (s.status === "pending" || s.status === "running")).pop();
      let status: StatusRecord;
      if (open) {
        if (!ALLOWED_FROM[open.status]!.includes(next)) {
          const via = EVENT[next];
          throw new HttpError(400, {
            message: `Cannot transition status via :${via} from :${open.status} (Reason(s): Status cannot transition via "${via}")`,
          });
        }
        status = open;
      } else {
        // GitLab's trap: the status joins the commit's latest pipeline for the ref, or gets a pipeline of its own.
        const pipeline = pipelines.latestFor(project, sha, ref)?.id ?? state.nextId("pipeline");
        status = {
          id: state.nextId("status"),
          sha,
          ref,
          status: next,
          name,
          target_url: null,
          description: null,
          coverage: null,
          pipeline_id: pipeline,
          created_at: now,
          started_at: null,
          finished_at: null,
        };
        project.statuses.push(status);
      }
      status.status = next;
      if (next !== "pending") status.started_at ??= now;
      if (next !== "pending" && next !== "running") status.finished_at = now;
      const targetUrl = param(req, "target_url");
      if (typeof targetUrl === "string") status.target_url = targetUrl;
      const description = param(req, "description");
      if (typeof description === "string") status.description = description;
      const coverage = param(req, "coverage");
      if (coverage !== undefined) status.coverage = Number(coverage);
      pipelines.attachStatus(project, status);
      return { status: 201, body: statusObject(state, status) };
    })
    .on("GET", "/projects/:id/repository/commits/:sha/statuses", async (req) => {
      requireToken(state, req);
      const project = state.project(req.params.id!);
      const sha = await commitOf(project, req.params.sha!, verified);
      const ref = req.query.get("ref");
      const name = req.query.get("name");
      let statuses = project.statuses.filter((s) => s.sha === sha && (!ref || s.ref === ref) && (!name || s.name === name)).sort((a, b) => b.id - a.id);
      if (req.query.get("all") !== "true") {
        const seen = new Set<string>();
        statuses = statuses.filter((s) => !seen.has(s.name) && seen.add(s.name));
      }
      const { page, headers } = paginate(req, statuses, { baseUrl: state.urls.api, defaultPerPage: 20, gitlab: true });
      return { status: 200, headers, body: page.map((s) => statusObject(state, s)) };
    });
}
