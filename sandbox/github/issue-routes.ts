/** Issues and issue comments: enough for the app to open, update, find and comment on issues. */
import { paginate, type ApiRequest, type Router } from "../http/router.js";
import { isoSeconds } from "./app-auth.js";
import type { GitHubContext } from "./context.js";
import { commentObject, issueObject } from "./objects.js";
import { invalid, notFound, type IssueRecord } from "./state.js";

/** Labels arrive as names or as `{ name }` objects. */
function labelNames(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.map((label) => (typeof label === "string" ? label : String((label as { name?: unknown }).name)));
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

export function issueRoutes(router: Router, ctx: GitHubContext): void {
  const { state } = ctx;
  const issuesOf = (fullName: string): IssueRecord[] => {
    if (!state.issues.has(fullName)) state.issues.set(fullName, []);
    return state.issues.get(fullName)!;
  };
  const findIssue = (req: ApiRequest, fullName: string): IssueRecord => {
    const issue = issuesOf(fullName).find((i) => i.number === Number(req.params.number));
    if (!issue) throw notFound();
    return issue;
  };

  router
    .on("POST", "/repos/:owner/:repo/issues", (req) => {
      const user = ctx.actor(req);
      const repo = state.repo(req.params.owner!, req.params.repo!);
      const { body } = req;
      if (typeof body.title !== "string" || !body.title) throw invalid(`"title" wasn't supplied.`);
      const issues = issuesOf(repo.fullName);
      const now = isoSeconds();
      const issue: IssueRecord = {
        id: state.nextIssueId(),
        number: issues.length + 1,
        title: body.title,
        body: typeof body.body === "string" ? body.body : null,
        state: "open",
        state_reason: null,
        labels: labelNames(body.labels),
        assignees: stringList(body.assignees),
        user,
        created_at: now,
        updated_at: now,
        closed_at: null,
        comments: [],
      };
      issues.push(issue);
      return { status: 201, body: issueObject(state, repo.fullName, issue) };
    })
    .on("PATCH", "/repos/:owner/:repo/issues/:number", (req) => {
      ctx.actor(req);
      const repo = state.repo(req.params.owner!, req.params.repo!);
      const issue = findIssue(req, repo.fullName);
      const { body } = req;
      if (typeof body.title === "string") issue.title = body.title;
      if (typeof body.body === "string" || body.body === null) issue.body = body.body as string | null;
      if (body.labels !== undefined) issue.labels = labelNames(body.labels);
      if (body.assignees !== undefined) issue.assignees = stringList(body.assignees);
      if (body.state !== undefined) {
        if (body.state !== "open" && body.state !== "closed") throw invalid(`For 'properties/state', ${JSON.stringify(body.state)} is not one of ["open", "closed"].`);
        const reopened = issue.state === "closed" && body.state === "open";
        if (issue.state !== body.state) issue.closed_at = body.state === "closed" ? isoSeconds() : null;
        issue.state = body.state;
        issue.state_reason = body.state === "closed" ? String(body.state_reason ?? "completed") : reopened ? "reopened" : issue.state_reason;
      }
      issue.updated_at = isoSeconds();
      return { status: 200, body: issueObject(state, repo.fullName, issue) };
    })
    .on("GET", "/repos/:owner/:repo/issues/:number", (req) => {
      const repo = ctx.readableRepo(req);
      return { status: 200, body: issueObject(state, repo.fullName, findIssue(req, repo.fullName)) };
    })
    .on("GET", "/repos/:owner/:repo/issues", (req) => {
      const repo = ctx.readableRepo(req);
      const wanted = req.query.get("state") ?? "open";
      const labels = (req.query.get("labels") ?? "")
        .split(",")
        .map((l) => l.trim())
        .filter(Boolean);
      const creator = req.query.get("creator");
      const ascending = req.query.get("direction") === "asc";
      const matching = issuesOf(repo.fullName)
        .filter((i) => wanted === "all" || i.state === wanted)
        .filter((i) => labels.every((l) => i.labels.some((have) => have.toLowerCase() === l.toLowerCase())))
        .filter((i) => !creator || i.user === creator)
        .sort((a, b) => (ascending ? a.number - b.number : b.number - a.number));
      const { page, headers } = paginate(req, matching, { baseUrl: state.urls.api, defaultPerPage: 30 });
      return { status: 200, headers, body: page.map((i) => issueObject(state, repo.fullName, i)) };
    })
    .on("POST", "/repos/:owner/:repo/issues/:number/comments", (req) => {
      const user = ctx.actor(req);
      const repo = state.repo(req.params.owner!, req.params.repo!);
      const issue = findIssue(req, repo.fullName);
      if (typeof req.body.body !== "string" || !req.body.body) throw invalid(`"body" wasn't supplied.`);
      const now = isoSeconds();
      const comment = { id: state.nextIssueId(), body: req.body.body, user, created_at: now, updated_at: now };
      issue.comments.push(comment);
      issue.updated_at = now;
      return { status: 201, body: commentObject(state, repo.fullName, issue.number, comment) };
    })
    .on("GET", "/repos/:owner/:repo/issues/:number/comments", (req) => {
      const repo = ctx.readableRepo(req);
      const issue = findIssue(req, repo.fullName);
      const { page, headers } = paginate(req, issue.comments, { baseUrl: state.urls.api, defaultPerPage: 30 });
      return { status: 200, headers, body: page.map((c) => commentObject(state, repo.fullName, issue.number, c)) };
    });
}
