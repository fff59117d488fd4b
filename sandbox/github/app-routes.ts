/** GitHub App routes: the app itself (JWT) and its installation (installation token). */
import { paginate, type Router } from "../http/router.js";
import type { GitHubContext } from "./context.js";
import { appObject, installationObject, repositoryObject } from "./objects.js";
import { notFound } from "./state.js";

export function appRoutes(router: Router, ctx: GitHubContext): void {
  const { state } = ctx;
  const installation = (id: string | undefined) => {
    if (Number(id) !== state.installationId) throw notFound();
    return installationObject(state);
  };

  router
    .on("GET", "/app", (req) => {
      ctx.requireApp(req);
      return { status: 200, body: appObject(state) };
    })
    .on("GET", "/app/installations", (req) => {
      ctx.requireApp(req);
      return { status: 200, body: [installationObject(state)] };
    })
    .on("GET", "/app/installations/:id", (req) => {
      ctx.requireApp(req);
      return { status: 200, body: installation(req.params.id) };
    })
    .on("POST", "/app/installations/:id/access_tokens", (req) => {
      ctx.requireApp(req);
      installation(req.params.id);
      // As on GitHub: a token may ask for less than the installation has, never more.
      const requested = req.body.permissions as Record<string, string> | undefined;
      const granted = state.installationPermissions;
      const permissions = requested ? Object.fromEntries(Object.entries(requested).filter(([name]) => granted[name] !== undefined)) : { ...granted };
      const { token, expiresAt } = ctx.tokens.issue(state.installationId, undefined, permissions);
      return {
        status: 201,
        body: { token, expires_at: expiresAt, permissions, repository_selection: "all" },
      };
    })
    .on("GET", "/repos/:owner/:repo/installation", (req) => {
      ctx.requireApp(req);
      state.repo(req.params.owner!, req.params.repo!);
      return { status: 200, body: installationObject(state) };
    })
    .on("GET", "/orgs/:org/installation", (req) => {
      ctx.requireApp(req);
      return { status: 200, body: installationObject(state) };
    })
    .on("GET", "/users/:user/installation", (req) => {
      ctx.requireApp(req);
      return { status: 200, body: installationObject(state) };
    })
    .on("GET", "/installation/repositories", (req) => {
      ctx.actor(req);
      const all = [...state.repos.values()].filter((repo) => state.inInstallation(repo)).map((repo) => repositoryObject(state, repo, "rest"));
      const { page, headers } = paginate(req, all, { baseUrl: state.urls.api, defaultPerPage: 30 });
      return { status: 200, headers, body: { total_count: all.length, repository_selection: "all", repositories: page } };
    });
}
