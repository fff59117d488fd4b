/**
 * Check runs, validated the way GitHub validates them (422 with "Invalid request."), because the
 * app's truncation and batching code is only proven if the fake refuses what GitHub refuses:
 * title/summary/text up to 65,535 characters, at most 50 annotations and 3 actions per request.
 */
import { resolveCommit } from "../git.js";
import { HttpError, paginate, type ApiRequest, type Router } from "../http/router.js";
import { DOCS_URL, isoSeconds } from "./app-auth.js";
import type { GitHubContext } from "./context.js";
import { checkRunObject } from "./objects.js";
import { invalid, notFound, type Annotation, type CheckRunAction, type CheckRunRecord, type ForeignApp, type GitHubState, type RepoRecord } from "./state.js";

const STATUSES = ["queued", "in_progress", "completed", "waiting", "requested", "pending"];
const CONCLUSIONS = ["action_required", "cancelled", "failure", "neutral", "success", "skipped", "stale", "timed_out"];
const LEVELS = ["notice", "warning", "failure"];
const MAX_TEXT = 65_535;
const MAX_ANNOTATIONS = 50;

type Body = Record<string, unknown>;

function oneOf(body: Body, key: string, allowed: string[]): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || !allowed.includes(value)) {
    throw invalid(`For 'properties/${key}', ${JSON.stringify(value)} is not one of ${JSON.stringify(allowed)}.`);
  }
  return value;
}

function maxLength(value: unknown, where: string, max: number): void {
  if (typeof value === "string" && value.length > max) {
    throw invalid(`For 'properties/${where}', ${JSON.stringify(value.slice(0, 20) + "…")} is too long (maximum is ${max} characters).`);
  }
}

function checkAnnotations(value: unknown): Annotation[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalid("For 'properties/annotations', it is not an array.");
  if (value.length > MAX_ANNOTATIONS) {
    throw invalid(`For 'properties/annotations', the array has ${value.length} items (maximum is ${MAX_ANNOTATIONS} per request).`);
  }
  for (const a of value as Body[]) {
    for (const key of ["path", "start_line", "end_line", "annotation_level", "message"]) {
      if (a[key] === undefined || a[key] === null) throw invalid(`"${key}" wasn't supplied.`);
    }
    if (!LEVELS.includes(String(a.annotation_level))) {
      throw invalid(`For 'properties/annotation_level', ${JSON.stringify(a.annotation_level)} is not one of ${JSON.stringify(LEVELS)}.`);
    }
    maxLength(a.message, "message", 64 * 1024);
  }
  return value as Annotation[];
}

function checkActions(value: unknown): CheckRunAction[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length > 3) throw invalid("For 'properties/actions', at most 3 actions are allowed.");
  for (const action of value as Body[]) {
    maxLength(action.label, "label", 20);
    maxLength(action.description, "description", 40);
    maxLength(action.identifier, "identifier", 20);
    for (const key of ["label", "description", "identifier"]) {
      if (typeof action[key] !== "string") throw invalid(`"${key}" wasn't supplied.`);
    }
  }
  return value as CheckRunAction[];
}

function checkOutput(value: unknown, creating: boolean): Body | undefined {
  if (value === undefined || value === null) return undefined;
  const output = value as Body;
  if (creating && typeof output.title !== "string") throw invalid(`"title" wasn't supplied.`);
  if (typeof output.summary !== "string") throw invalid(`"summary" wasn't supplied.`);
  maxLength(output.title, "title", MAX_TEXT);
  maxLength(output.summary, "summary", MAX_TEXT);
  maxLength(output.text, "text", MAX_TEXT);
  return output;
}

/** Apply fields shared by create and update; the caller has validated `output`. */
function apply(run: CheckRunRecord, body: Body, output: Body | undefined, annotations: Annotation[]): void {
  const now = isoSeconds();
  const status = oneOf(body, "status", STATUSES);
  const conclusion = oneOf(body, "conclusion", CONCLUSIONS);
  if (typeof body.name === "string") run.name = body.name;
  if (typeof body.details_url === "string") run.details_url = body.details_url;
  if (typeof body.external_id === "string") run.external_id = body.external_id;
  if (typeof body.started_at === "string") run.started_at = body.started_at;
  if (status) run.status = status;
  if (conclusion) {
    // As documented: providing a conclusion marks the run completed.
    run.status = "completed";
    run.conclusion = conclusion;
  }
  if (run.status === "completed") {
    if (!run.conclusion) throw invalid(`"conclusion" wasn't supplied.`);
    run.completed_at = typeof body.completed_at === "string" ? body.completed_at : (run.completed_at ?? now);
  }
  if (output) {
    if (typeof output.title === "string") run.output.title = output.title;
    run.output.summary = output.summary as string;
    if (typeof output.text === "string") run.output.text = output.text;
  }
  run.annotations.push(...annotations);
  const actions = checkActions(body.actions);
  if (actions) run.actions = actions;
  run.updated_at = now;
}

async function ensureCommit(state: GitHubState, repo: RepoRecord, sha: string): Promise<string> {
  const key = `${repo.id}:${sha}`;
  if (state.verifiedCommits.has(key)) return sha;
  const resolved = await resolveCommit(repo.bareDir, sha);
  if (!resolved) throw new HttpError(422, { message: `No commit found for SHA: ${sha}`, documentation_url: DOCS_URL });
  if (resolved === sha) state.verifiedCommits.add(key);
  return resolved;
}

/** A new check run, validated as GitHub validates it; by this app, or by `app` (another CI). */
export async function createCheckRun(state: GitHubState, repo: RepoRecord, body: Body, app?: ForeignApp): Promise<CheckRunRecord> {
  if (typeof body.name !== "string" || !body.name) throw invalid(`"name" wasn't supplied.`);
  if (typeof body.head_sha !== "string" || !body.head_sha) throw invalid(`"head_sha" wasn't supplied.`);
  const output = checkOutput(body.output, true);
  const annotations = checkAnnotations(output?.annotations);
  const headSha = await ensureCommit(state, repo, body.head_sha);
  const now = isoSeconds();
  const id = state.nextCheckRunId();
  const run: CheckRunRecord = {
    id,
    repo: repo.fullName,
    name: body.name,
    head_sha: headSha,
    status: "queued",
    conclusion: null,
    started_at: now,
    completed_at: null,
    details_url: null,
    external_id: null,
    output: { title: null, summary: null, text: null },
    annotations: [],
    actions: [],
    check_suite_id: 10_000_000 + repo.id,
    created_at: now,
    updated_at: now,
    ...(app ? { app } : {}),
  };
  apply(run, body, output, annotations);
  state.checkRuns.set(id, run);
  return run;
}

/** An update (PATCH), validated on a copy so a 422 leaves the stored run untouched, as on GitHub. */
export function updateCheckRun(run: CheckRunRecord, body: Body): void {
  const output = checkOutput(body.output, false);
  const annotations = checkAnnotations(output?.annotations);
  const next: CheckRunRecord = structuredClone(run);
  apply(next, body, output, annotations);
  Object.assign(run, next);
}

export function checkRunRoutes(router: Router, ctx: GitHubContext): void {
  const { state } = ctx;
  const findRun = (req: ApiRequest, repo: RepoRecord): CheckRunRecord => {
    const run = state.checkRuns.get(Number(req.params.id));
    if (!run || run.repo !== repo.fullName) throw notFound();
    return run;
  };

  router
    .on("POST", "/repos/:owner/:repo/check-runs", async (req) => {
      ctx.actor(req);
      const run = await createCheckRun(state, state.repo(req.params.owner!, req.params.repo!), req.body);
      return { status: 201, body: checkRunObject(state, run) };
    })
    .on("PATCH", "/repos/:owner/:repo/check-runs/:id", (req) => {
      ctx.actor(req);
      const run = findRun(req, state.repo(req.params.owner!, req.params.repo!));
      updateCheckRun(run, req.body);
      return { status: 200, body: checkRunObject(state, run) };
    })
    .on("GET", "/repos/:owner/:repo/check-runs/:id", (req) => {
      const run = findRun(req, ctx.readableRepo(req));
      return { status: 200, body: checkRunObject(state, run) };
    })
    .on("GET", "/repos/:owner/:repo/check-runs/:id/annotations", (req) => {
      const repo = ctx.readableRepo(req);
      const run = findRun(req, repo);
      const all = run.annotations.map((a) => ({
        ...a,
        start_column: a.start_column ?? null,
        end_column: a.end_column ?? null,
        title: a.title ?? null,
        raw_details: a.raw_details ?? null,
        blob_href: `${state.urls.web}/${repo.fullName}/blob/${run.head_sha}/${a.path}`,
      }));
      const { page, headers } = paginate(req, all, { baseUrl: state.urls.api, defaultPerPage: 30 });
      return { status: 200, headers, body: page };
    })
    .on("GET", "/repos/:owner/:repo/commits/:ref/check-runs", async (req) => {
      const repo = ctx.readableRepo(req);
      const sha = await ensureCommit(state, repo, req.params.ref!);
      const checkName = req.query.get("check_name");
      const status = req.query.get("status");
      let runs = [...state.checkRuns.values()]
        .filter((run) => run.repo === repo.fullName && run.head_sha === sha)
        .filter((run) => (!checkName || run.name === checkName) && (!status || run.status === status))
        .sort((a, b) => b.id - a.id);
      if (req.query.get("filter") !== "all") {
        // "latest" (the default): only the most recent run of each name.
        const seen = new Set<string>();
        runs = runs.filter((run) => !seen.has(run.name) && seen.add(run.name));
      }
      const { page, headers } = paginate(req, runs, { baseUrl: state.urls.api, defaultPerPage: 30 });
      return { status: 200, headers, body: { total_count: runs.length, check_runs: page.map((run) => checkRunObject(state, run)) } };
    });
}
