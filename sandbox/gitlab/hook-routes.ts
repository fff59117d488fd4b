/** Project webhooks (`/projects/:id/hooks`). The secret token can be set but is never returned. */
import { HttpError, paginate, type ApiRequest, type Router } from "../http/router.js";
import { requireToken } from "./auth.js";
import { hookObject } from "./objects.js";
import { flag, param } from "./project-routes.js";
import type { GitLabState, HookRecord, ProjectRecord } from "./state.js";

function validUrl(value: unknown): string {
  if (typeof value !== "string" || !value) throw new HttpError(400, { error: "url is missing" });
  try {
    const url = new URL(value);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("scheme");
  } catch {
    throw new HttpError(422, { message: { url: ["is blocked: Only allowed schemes are http, https"] } });
  }
  return value;
}

/** Apply the writable fields present in a request (defaults come from the caller's record). */
function applyHookParams(req: ApiRequest, hook: HookRecord): void {
  const token = param(req, "token");
  if (typeof token === "string") hook.token = token;
  hook.push_events = flag(req, "push_events", hook.push_events);
  hook.tag_push_events = flag(req, "tag_push_events", hook.tag_push_events);
  hook.enable_ssl_verification = flag(req, "enable_ssl_verification", hook.enable_ssl_verification);
  hook.pipeline_events = flag(req, "pipeline_events", hook.pipeline_events);
  hook.job_events = flag(req, "job_events", hook.job_events);
  const filter = param(req, "push_events_branch_filter");
  if (typeof filter === "string") hook.push_events_branch_filter = filter;
}

export function hookRoutes(router: Router, state: GitLabState): void {
  const project = (req: ApiRequest): ProjectRecord => {
    requireToken(state, req);
    return state.project(req.params.id!);
  };
  const findHook = (req: ApiRequest, p: ProjectRecord): HookRecord => {
    const hook = p.hooks.find((h) => h.id === Number(req.params.hook_id));
    if (!hook) throw new HttpError(404, { message: "404 Not found" });
    return hook;
  };

  router
    .on("GET", "/projects/:id/hooks", (req) => {
      const p = project(req);
      const { page, headers } = paginate(req, p.hooks, { baseUrl: state.urls.api, defaultPerPage: 20, gitlab: true });
      return { status: 200, headers, body: page.map((h) => hookObject(p, h)) };
    })
    .on("GET", "/projects/:id/hooks/:hook_id", (req) => {
      const p = project(req);
      return { status: 200, body: hookObject(p, findHook(req, p)) };
    })
    .on("POST", "/projects/:id/hooks", (req) => {
      const p = project(req);
      const hook: HookRecord = {
        id: state.nextId("hook"),
        url: validUrl(param(req, "url")),
        push_events: true,
        tag_push_events: false,
        enable_ssl_verification: true,
        push_events_branch_filter: "",
        pipeline_events: false,
        job_events: false,
        created_at: new Date().toISOString(),
      };
      applyHookParams(req, hook);
      p.hooks.push(hook);
      return { status: 201, body: hookObject(p, hook) };
    })
    .on("PUT", "/projects/:id/hooks/:hook_id", (req) => {
      const p = project(req);
      const hook = findHook(req, p);
      const url = param(req, "url");
      if (url !== undefined) hook.url = validUrl(url);
      applyHookParams(req, hook);
      return { status: 200, body: hookObject(p, hook) };
    })
    .on("DELETE", "/projects/:id/hooks/:hook_id", (req) => {
      const p = project(req);
      const hook = findHook(req, p);
      p.hooks.splice(p.hooks.indexOf(hook), 1);
      return { status: 204 };
    });
}
