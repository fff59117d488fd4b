/** Projects, namespaces, groups, the current user and the current token. */
import { HttpError, paginate, type ApiRequest, type Router } from "../http/router.js";
import { requireToken } from "./auth.js";
import { groupObject, namespaceObject, projectObject, tokenObject, userObject } from "./objects.js";
import { createProjectRepo, ensureNamespace, isEmptyRepo, pathFromName } from "./projects.js";
import { USER, type GitLabState, type ProjectRecord } from "./state.js";

/** GitLab reads parameters from the JSON body or the query string. */
export function param(req: ApiRequest, name: string): unknown {
  return req.body[name] ?? req.query.get(name) ?? undefined;
}

export function flag(req: ApiRequest, name: string, fallback: boolean): boolean {
  const value = param(req, name);
  if (value === undefined || value === null) return fallback;
  return value === true || value === "true" || value === "1" || value === 1;
}

/** The project as the API shows it; `empty_repo` is read from disk on each request. */
export async function renderProject(state: GitLabState, project: ProjectRecord): Promise<Record<string, unknown>> {
  return projectObject(state, project, await isEmptyRepo(project.bareDir), project.createdAt);
}

/** A project the request may read: public ones need no token; private ones need `api`/`read_api`. */
export function readableProject(state: GitLabState, req: ApiRequest): ProjectRecord {
  const hasToken = req.headers["private-token"] !== undefined || req.headers.authorization !== undefined;
  const project = state.findProject(req.params.id!);
  if (!hasToken && project?.visibility === "public") return project;
  requireToken(state, req);
  return state.project(req.params.id!);
}

export function projectRoutes(router: Router, state: GitLabState, root: string): void {
  router
    .on("GET", "/projects/:id", async (req) => ({ status: 200, body: await renderProject(state, readableProject(state, req)) }))
    .on("POST", "/projects", async (req) => {
      requireToken(state, req);
      const name = param(req, "name") as string | undefined;
      const path = (param(req, "path") as string | undefined) ?? (name ? pathFromName(name) : undefined);
      if (!path) throw new HttpError(400, { error: "name, path are missing, at least one parameter must be provided" });
      const namespaceId = param(req, "namespace_id");
      const namespace = namespaceId === undefined ? ensureNamespace(state, USER.username) : state.findNamespace(String(namespaceId));
      if (!namespace) throw new HttpError(404, { message: "404 Namespace Not Found" });
      const visibility = (param(req, "visibility") as ProjectRecord["visibility"] | undefined) ?? "private";
      if (!["private", "internal", "public"].includes(visibility)) throw new HttpError(400, { error: "visibility does not have a valid value" });
      const project = await createProjectRepo(state, root, {
        namespace,
        path,
        name: name ?? path,
        visibility,
        defaultBranch: (param(req, "default_branch") as string | undefined) ?? "main",
      });
      return { status: 201, body: await renderProject(state, project) };
    })
    .on("GET", "/namespaces/:id", (req) => {
      requireToken(state, req);
      const ns = state.findNamespace(req.params.id!);
      if (!ns) throw new HttpError(404, { message: "404 Namespace Not Found" });
      return { status: 200, body: namespaceObject(state, ns) };
    })
    .on("GET", "/groups/:id", (req) => {
      requireToken(state, req);
      const ns = state.findNamespace(req.params.id!);
      if (!ns || ns.kind !== "group") throw new HttpError(404, { message: "404 Group Not Found" });
      return { status: 200, body: groupObject(state, ns) };
    })
    .on("GET", "/groups/:id/projects", async (req) => {
      requireToken(state, req);
      const ns = state.findNamespace(req.params.id!);
      if (!ns || ns.kind !== "group") throw new HttpError(404, { message: "404 Group Not Found" });
      const projects = [...state.projects.values()].filter((p) => p.namespace.id === ns.id);
      const { page, headers } = paginate(req, projects, { baseUrl: state.urls.api, defaultPerPage: 20, gitlab: true });
      return { status: 200, headers, body: await Promise.all(page.map((p) => renderProject(state, p))) };
    })
    .on("GET", "/user", (req) => {
      requireToken(state, req);
      return { status: 200, body: { ...userObject(state), email: USER.email, is_admin: false, bot: false } };
    })
    .on("GET", "/personal_access_tokens/self", (req) => ({ status: 200, body: tokenObject(requireToken(state, req, { anyScope: true })) }));
}
