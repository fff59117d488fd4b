/**
 * Commit statuses, as GitHub's REST API documents them: `POST /repos/{owner}/{repo}/statuses/{sha}`
 * (state error | failure | pending | success; context "default" when absent; 422 for an unknown
 * commit or a bad state; at most 1,000 statuses per commit and context), the combined status
 * (`GET .../commits/{ref}/status`: the newest status per context, and their overall state) and the
 * list (`GET .../commits/{ref}/statuses`, newest first). An installation token may post only with
 * `statuses: write`; mirror-bot asks for `statuses: read`, so its posts get GitHub's 403.
 */
import { resolveCommit } from "../git.js";
import { HttpError, paginate, type ApiRequest, type Router } from "../http/router.js";
import { DOCS_URL, isoSeconds } from "./app-auth.js";
import type { GitHubContext } from "./context.js";
import { commitStatusObject, repositoryObject } from "./objects.js";
import type { CommitStatusRecord, GitHubState, RepoRecord } from "./state.js";

const STATES = ["error", "failure", "pending", "success"] as const;
const MAX_PER_CONTEXT = 1000;

async function commitOf(state: GitHubState, repo: RepoRecord, ref: string): Promise<string> {
  const sha = await resolveCommit(repo.bareDir, ref);
  if (!sha) throw new HttpError(422, { message: `No commit found for SHA: ${ref}`, documentation_url: DOCS_URL });
  state.verifiedCommits.add(`${repo.id}:${sha}`);
  return sha;
}

function validationFailed(field: string, code: string, message?: string): HttpError {
  return new HttpError(422, {
    message: "Validation Failed",
    errors: [{ resource: "Status", field, code, ...(message ? { message } : {}) }],
    documentation_url: `${DOCS_URL}/commits/statuses#create-a-commit-status`,
  });
}

/** Newest first; the newest of each context only. */
function latestPerContext(statuses: CommitStatusRecord[]): CommitStatusRecord[] {
  const seen = new Set<string>();
  return [...statuses].reverse().filter((s) => !seen.has(s.context) && seen.add(s.context));
}

/** GitHub's combined state: failure if any is error or failure, pending if any is pending or there are none. */
function combinedState(latest: CommitStatusRecord[]): string {
  if (latest.some((s) => s.state === "error" || s.state === "failure")) return "failure";
  if (latest.length === 0 || latest.some((s) => s.state === "pending")) return "pending";
  return "success";
}

export function postCommitStatus(state: GitHubState, repo: RepoRecord, sha: string, body: Record<string, unknown>, creator: string): CommitStatusRecord {
  if (!STATES.includes(body.state as never)) throw validationFailed("state", "invalid");
  const context = typeof body.context === "string" && body.context ? body.context : "default";
  const existing = state.commitStatuses.filter((s) => s.repo === repo.fullName && s.sha === sha && s.context === context);
  if (existing.length >= MAX_PER_CONTEXT) throw validationFailed("context", "custom", `This SHA and context has reached the maximum number of statuses.`);
  const now = isoSeconds();
  const record: CommitStatusRecord = {
    id: state.nextStatusId(),
    repo: repo.fullName,
    sha,
    state: body.state as CommitStatusRecord["state"],
    context,
    description: typeof body.description === "string" ? body.description : null,
    target_url: typeof body.target_url === "string" ? body.target_url : null,
    creator,
    created_at: now,
    updated_at: now,
  };
  state.commitStatuses.push(record);
  return record;
}

export function statusRoutes(router: Router, ctx: GitHubContext): void {
  const { state } = ctx;
  const forCommit = async (req: ApiRequest) => {
    const repo = ctx.readableRepo(req);
    const sha = await commitOf(state, repo, req.params.ref!);
    return { repo, sha, all: state.commitStatuses.filter((s) => s.repo === repo.fullName && s.sha === sha) };
  };

  router
    .on("POST", "/repos/:owner/:repo/statuses/:sha", async (req) => {
      const login = ctx.actor(req);
      const repo = state.repo(req.params.owner!, req.params.repo!);
      if (login !== ctx.loginFor(ctx.userToken) && state.installationPermissions.statuses !== "write") {
        throw new HttpError(403, { message: "Resource not accessible by integration", documentation_url: `${DOCS_URL}/commits/statuses#create-a-commit-status` });
      }
      const sha = await commitOf(state, repo, req.params.sha!);
      return { status: 201, body: commitStatusObject(state, postCommitStatus(state, repo, sha, req.body, login)) };
    })
    .on("GET", "/repos/:owner/:repo/commits/:ref/status", async (req) => {
      const { repo, sha, all } = await forCommit(req);
      const latest = latestPerContext(all);
      const { page } = paginate(req, latest, { baseUrl: state.urls.api, defaultPerPage: 100 });
      return {
        status: 200,
        body: {
          state: combinedState(latest),
          statuses: page.map((s) => commitStatusObject(state, s, false)),
          sha,
          total_count: latest.length,
          repository: repositoryObject(state, repo, "rest"),
          commit_url: `${state.urls.api}/repos/${repo.fullName}/commits/${sha}`,
          url: `${state.urls.api}/repos/${repo.fullName}/commits/${sha}/status`,
        },
      };
    })
    .on("GET", "/repos/:owner/:repo/commits/:ref/statuses", async (req) => {
      const { all } = await forCommit(req);
      const { page, headers } = paginate(req, [...all].reverse(), { baseUrl: state.urls.api, defaultPerPage: 30 });
      return { status: 200, headers, body: page.map((s) => commitStatusObject(state, s)) };
    });
}
