/** Branches and commits, read from the bare repository with git. */
import { git, listRefs } from "../git.js";
import { HttpError, paginate, type Router } from "../http/router.js";
import { DOCS_URL } from "./app-auth.js";
import type { GitHubContext } from "./context.js";
import type { GitHubState, RepoRecord } from "./state.js";

const FORMAT = ["%H", "%T", "%P", "%an", "%ae", "%aI", "%cn", "%ce", "%cI", "%B"].join("%x1f");

/** The commit object of `GET /repos/{owner}/{repo}/commits/{ref}`, or undefined for an unknown ref. */
async function commitObject(state: GitHubState, repo: RepoRecord, ref: string): Promise<Record<string, unknown> | undefined> {
  let out: string;
  try {
    out = await git(["log", "-1", `--format=${FORMAT}`, `${ref}^{commit}`, "--"], { cwd: repo.bareDir });
  } catch {
    return undefined;
  }
  const [sha, tree, parents, an, ae, ad, cn, ce, cd, message] = out.split("\x1f") as string[];
  const api = `${state.urls.api}/repos/${repo.fullName}`;
  const web = `${state.urls.web}/${repo.fullName}`;
  return {
    sha,
    node_id: Buffer.from(`06:Commit${repo.id}:${sha}`).toString("base64"),
    commit: {
      author: { name: an, email: ae, date: new Date(ad!).toISOString().replace(/\.\d{3}Z$/, "Z") },
      committer: { name: cn, email: ce, date: new Date(cd!).toISOString().replace(/\.\d{3}Z$/, "Z") },
      message: (message ?? "").replace(/\n+$/, ""),
      tree: { sha: tree, url: `${api}/git/trees/${tree}` },
      url: `${api}/git/commits/${sha}`,
      comment_count: 0,
      verification: { verified: false, reason: "unsigned", signature: null, payload: null, verified_at: null },
    },
    url: `${api}/commits/${sha}`,
    html_url: `${web}/commit/${sha}`,
    comments_url: `${api}/commits/${sha}/comments`,
    author: null,
    committer: null,
    parents: (parents ? parents.split(" ") : []).map((p) => ({ sha: p, url: `${api}/commits/${p}`, html_url: `${web}/commit/${p}` })),
  };
}

export function branchRoutes(router: Router, ctx: GitHubContext): void {
  const { state } = ctx;
  router
    .on("GET", "/repos/:owner/:repo/branches", async (req) => {
      const repo = ctx.readableRepo(req);
      const branches = [...(await listRefs(repo.bareDir))]
        .filter(([name]) => name.startsWith("refs/heads/"))
        .map(([name, sha]) => ({
          name: name.slice("refs/heads/".length),
          commit: { sha, url: `${state.urls.api}/repos/${repo.fullName}/commits/${sha}` },
          protected: false,
        }));
      const { page, headers } = paginate(req, branches, { baseUrl: state.urls.api, defaultPerPage: 30 });
      return { status: 200, headers, body: page };
    })
    .on("GET", "/repos/:owner/:repo/branches/:branch(*)", async (req) => {
      const repo = ctx.readableRepo(req);
      const name = req.params.branch!;
      const commit = await commitObject(state, repo, `refs/heads/${name}`);
      if (!commit) throw new HttpError(404, { message: "Branch not found", documentation_url: DOCS_URL });
      const self = `${state.urls.api}/repos/${repo.fullName}/branches/${name}`;
      return {
        status: 200,
        body: {
          name,
          commit,
          _links: { self, html: `${state.urls.web}/${repo.fullName}/tree/${name}` },
          protected: false,
          protection: { enabled: false, required_status_checks: { enforcement_level: "off", contexts: [], checks: [] } },
          protection_url: `${self}/protection`,
        },
      };
    })
    .on("GET", "/repos/:owner/:repo/commits/:ref", async (req) => {
      const repo = ctx.readableRepo(req);
      const commit = await commitObject(state, repo, req.params.ref!);
      if (!commit) throw new HttpError(422, { message: `No commit found for SHA: ${req.params.ref}`, documentation_url: DOCS_URL });
      return { status: 200, body: commit };
    });
}
