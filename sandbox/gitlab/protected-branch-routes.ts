/**
 * Protected branches (`/projects/:id/protected_branches`). Protection is enforced by the
 * project's pre-receive hook (see projects.ts), so API and test helper share one rules file.
 */
import { HttpError, paginate, type Router } from "../http/router.js";
import { requireToken } from "./auth.js";
import { flag, param } from "./project-routes.js";
import { writeProtectedBranches } from "./projects.js";
import type { GitLabState, ProjectRecord, ProtectedBranch } from "./state.js";

function accessLevels(id: number) {
  return [{ id, access_level: 40, access_level_description: "Maintainers", deploy_key_id: null, user_id: null, group_id: null }];
}

function protectedBranchObject(branch: ProtectedBranch) {
  return {
    id: branch.id,
    name: branch.name,
    push_access_levels: accessLevels(branch.id * 10 + 1),
    merge_access_levels: accessLevels(branch.id * 10 + 2),
    unprotect_access_levels: [],
    allow_force_push: branch.allowForcePush,
    code_owner_approval_required: false,
    inherited: false,
  };
}

/** Protect `name` (a branch or a wildcard such as `release/*`) in a project. */
export async function protectBranch(state: GitLabState, project: ProjectRecord, name: string, allowForcePush = false): Promise<ProtectedBranch> {
  if (project.protectedBranches.some((b) => b.name === name)) {
    throw new HttpError(409, { message: `Protected branch '${name}' already exists` });
  }
  const branch = { id: state.nextId("protected"), name, allowForcePush };
  project.protectedBranches.push(branch);
  await writeProtectedBranches(project);
  return branch;
}

export async function unprotectBranch(project: ProjectRecord, name: string): Promise<void> {
  const index = project.protectedBranches.findIndex((b) => b.name === name);
  if (index < 0) throw new HttpError(404, { message: "404 Not found" });
  project.protectedBranches.splice(index, 1);
  await writeProtectedBranches(project);
}

export function protectedBranchRoutes(router: Router, state: GitLabState): void {
  router
    .on("GET", "/projects/:id/protected_branches", (req) => {
      requireToken(state, req);
      const project = state.project(req.params.id!);
      const { page, headers } = paginate(req, project.protectedBranches, { baseUrl: state.urls.api, defaultPerPage: 20, gitlab: true });
      return { status: 200, headers, body: page.map(protectedBranchObject) };
    })
    .on("GET", "/projects/:id/protected_branches/:name", (req) => {
      requireToken(state, req);
      const branch = state.project(req.params.id!).protectedBranches.find((b) => b.name === req.params.name);
      if (!branch) throw new HttpError(404, { message: "404 Not found" });
      return { status: 200, body: protectedBranchObject(branch) };
    })
    .on("POST", "/projects/:id/protected_branches", async (req) => {
      requireToken(state, req);
      const project = state.project(req.params.id!);
      const name = param(req, "name");
      if (typeof name !== "string" || !name) throw new HttpError(400, { error: "name is missing" });
      const branch = await protectBranch(state, project, name, flag(req, "allow_force_push", false));
      return { status: 201, body: protectedBranchObject(branch) };
    })
    .on("DELETE", "/projects/:id/protected_branches/:name", async (req) => {
      requireToken(state, req);
      await unprotectBranch(state.project(req.params.id!), req.params.name!);
      return { status: 204 };
    });
}
