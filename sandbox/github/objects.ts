/**
 * JSON shapes of GitHub objects. Repository and user objects start from the community examples
 * in @octokit/webhooks-examples (so every documented key is there) with URLs and values
 * rewritten to the sandbox; the rest follow the REST reference.
 */
import { createRequire } from "node:module";
import { isoSeconds } from "./app-auth.js";
import type { CheckRunRecord, CommentRecord, CommitStatusRecord, ForeignApp, GitHubState, IssueRecord, RepoRecord } from "./state.js";

type Json = Record<string, unknown>;

interface WebhookExample {
  name: string;
  examples: Json[];
}

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples") as WebhookExample[];

/**
 * The first example of an event that matches the first predicate anything matches (most
 * wanted first), deep-copied so callers may change it.
 */
export function webhookExample(event: string, ...preferences: Array<(example: Json) => boolean>): Json {
  const all = examples.find((e) => e.name === event)?.examples ?? [];
  for (const match of preferences.length ? preferences : [() => true]) {
    const found = all.find(match);
    if (found) return structuredClone(found);
  }
  throw new Error(`@octokit/webhooks-examples has no matching ${event} example`);
}

// The push example with an installation: the shape an app receives.
const PUSH_TEMPLATE = webhookExample("push", (e) => "installation" in e && String(e.ref).startsWith("refs/heads/"));
const REPO_TEMPLATE = PUSH_TEMPLATE.repository as Json;
const OWNER_TEMPLATE = REPO_TEMPLATE.owner as Json;

/** base64 legacy node ids, e.g. `MDEwOlJlcG9zaXRvcnkx` for Repository 1. */
export function nodeId(type: string, id: number): string {
  return Buffer.from(`0${type.length}:${type}${id}`).toString("base64");
}

function rewrite<T>(template: T, state: GitHubState, login: string, fullName?: string): T {
  let json = JSON.stringify(template)
    .replaceAll("https://api.github.com", state.urls.api)
    .replaceAll("https://github.com", state.urls.web)
    .replaceAll("git://github.com/", `git://${state.urls.host}/`)
    .replaceAll("git@github.com:", `git@${state.urls.host}:`);
  if (fullName) json = json.replaceAll("Codertocat/Hello-World", fullName);
  json = json.replaceAll("/Codertocat", `/${login}`);
  return JSON.parse(json) as T;
}

/** A user, organization or bot. `withContact` keeps the name/email keys push payloads carry. */
export function userObject(state: GitHubState, login: string, type = "User", withContact = false): Json {
  const id = state.ownerId(login);
  const user = rewrite(OWNER_TEMPLATE, state, login);
  if (!withContact) {
    delete user.name;
    delete user.email;
  } else {
    user.name = login;
    user.email = `${id}+${login}@users.noreply.sandbox.test`;
  }
  return { ...user, login, id, node_id: nodeId(type, id), avatar_url: `${state.urls.web}/avatars/u/${id}`, type, site_admin: false };
}

export function botLogin(state: GitHubState): string {
  return `${state.app.slug}[bot]`;
}

/**
 * A repository. "rest" is `GET /repos/{owner}/{repo}`; "push" keeps the push payload's quirks
 * (numeric created_at/pushed_at, `stargazers`, `master_branch`); "event" is other webhooks.
 */
export function repositoryObject(state: GitHubState, repo: RepoRecord, style: "rest" | "push" | "event"): Json {
  const object = rewrite(REPO_TEMPLATE, state, repo.owner, repo.fullName);
  const epoch = (ms: number) => Math.floor(ms / 1000);
  Object.assign(object, {
    id: repo.id,
    node_id: nodeId("Repository", repo.id),
    name: repo.name,
    full_name: repo.fullName,
    private: repo.private,
    owner: userObject(state, repo.owner, "User", style === "push"),
    description: null,
    fork: false,
    homepage: null,
    size: 0,
    stargazers_count: 0,
    watchers_count: 0,
    forks_count: 0,
    open_issues_count: 0,
    forks: 0,
    open_issues: 0,
    watchers: 0,
    language: null,
    license: null,
    mirror_url: null,
    archived: false,
    disabled: false,
    default_branch: repo.defaultBranch,
    visibility: repo.private ? "private" : "public",
    created_at: style === "push" ? epoch(repo.createdAt) : isoSeconds(repo.createdAt),
    updated_at: isoSeconds(repo.pushedAt),
    pushed_at: style === "push" ? epoch(repo.pushedAt) : isoSeconds(repo.pushedAt),
  });
  if (style === "push") {
    // Push payloads keep GitHub's quirk: `url` is the web page, not the API resource.
    Object.assign(object, { stargazers: 0, master_branch: repo.defaultBranch, url: `${state.urls.web}/${repo.fullName}` });
    return object;
  }
  object.url = `${state.urls.api}/repos/${repo.fullName}`;
  delete object.stargazers;
  delete object.master_branch;
  return {
    ...object,
    topics: [],
    allow_forking: true,
    is_template: false,
    web_commit_signoff_required: false,
    has_discussions: false,
    ...(style === "rest" ? { network_count: 0, subscribers_count: 0, temp_clone_token: "" } : {}),
  };
}

export const APP_PERMISSIONS = { contents: "write", checks: "write", metadata: "read", issues: "write", statuses: "read" };
export const APP_EVENTS = ["push", "check_run", "installation", "installation_repositories", "status"];

export function appObject(state: GitHubState): Json {
  const created = isoSeconds(Date.UTC(2024, 0, 1));
  return {
    id: state.app.id,
    slug: state.app.slug,
    client_id: `Iv1.${state.app.id.toString(16).padStart(16, "0")}`,
    node_id: nodeId("App", state.app.id),
    owner: userObject(state, state.account, "Organization"),
    name: state.app.name,
    description: "Mirrors GitHub repositories to GitLab (sandbox)",
    external_url: state.urls.web,
    html_url: `${state.urls.web}/apps/${state.app.slug}`,
    created_at: created,
    updated_at: created,
    permissions: APP_PERMISSIONS,
    events: APP_EVENTS,
    installations_count: 1,
  };
}

/** Another app (GitHub Actions, a third-party CI) as check runs and events show it. */
export function foreignAppObject(state: GitHubState, app: ForeignApp): Json {
  return {
    ...appObject(state),
    id: app.id,
    slug: app.slug,
    client_id: `Iv1.${app.id.toString(16).padStart(16, "0")}`,
    node_id: nodeId("App", app.id),
    name: app.name,
    description: "",
    owner: userObject(state, "github", "Organization"),
    permissions: {},
    events: [],
  };
}

/** A commit status as the statuses API lists it (`creator` too; the combined status leaves it out). */
export function commitStatusObject(state: GitHubState, status: CommitStatusRecord, withCreator = true): Json {
  const creator = state.ownerId(status.creator);
  return {
    url: `${state.urls.api}/repos/${status.repo}/statuses/${status.sha}`,
    avatar_url: `${state.urls.web}/avatars/u/${creator}`,
    id: status.id,
    node_id: nodeId("StatusContext", status.id),
    state: status.state,
    description: status.description,
    target_url: status.target_url,
    context: status.context,
    created_at: status.created_at,
    updated_at: status.updated_at,
    ...(withCreator ? { creator: userObject(state, status.creator, status.creator.endsWith("[bot]") ? "Bot" : "User") } : {}),
  };
}

export function installationObject(state: GitHubState): Json {
  const { api, web } = state.urls;
  const created = isoSeconds(Date.UTC(2024, 0, 1));
  return {
    id: state.installationId,
    account: userObject(state, state.account, "Organization"),
    repository_selection: "all",
    access_tokens_url: `${api}/app/installations/${state.installationId}/access_tokens`,
    repositories_url: `${api}/installation/repositories`,
    html_url: `${web}/organizations/${state.account}/settings/installations/${state.installationId}`,
    app_id: state.app.id,
    app_slug: state.app.slug,
    target_id: state.ownerId(state.account),
    target_type: "Organization",
    permissions: { ...state.installationPermissions },
    events: APP_EVENTS,
    created_at: created,
    updated_at: created,
    single_file_name: null,
    has_multiple_single_files: false,
    single_file_paths: [],
    suspended_by: null,
    suspended_at: null,
  };
}

export function checkRunObject(state: GitHubState, run: CheckRunRecord): Json {
  const { api, web } = state.urls;
  return {
    id: run.id,
    name: run.name,
    node_id: nodeId("CheckRun", run.id),
    head_sha: run.head_sha,
    external_id: run.external_id ?? "",
    url: `${api}/repos/${run.repo}/check-runs/${run.id}`,
    html_url: `${web}/${run.repo}/runs/${run.id}`,
    details_url: run.details_url ?? `${web}/apps/${state.app.slug}`,
    status: run.status,
    conclusion: run.conclusion,
    started_at: run.started_at,
    completed_at: run.completed_at,
    output: {
      title: run.output.title,
      summary: run.output.summary,
      text: run.output.text,
      annotations_count: run.annotations.length,
      annotations_url: `${api}/repos/${run.repo}/check-runs/${run.id}/annotations`,
    },
    check_suite: { id: run.check_suite_id },
    app: run.app ? foreignAppObject(state, run.app) : appObject(state),
    pull_requests: [],
  };
}

export function labelObject(state: GitHubState, fullName: string, name: string): Json {
  const id = 6_000_000 + [...name].reduce((sum, c) => (sum * 31 + c.charCodeAt(0)) % 1_000_000, 7);
  return {
    id,
    node_id: nodeId("Label", id),
    url: `${state.urls.api}/repos/${fullName}/labels/${encodeURIComponent(name)}`,
    name,
    color: "ededed",
    default: false,
    description: null,
  };
}

export function issueObject(state: GitHubState, fullName: string, issue: IssueRecord): Json {
  const { api, web } = state.urls;
  const url = `${api}/repos/${fullName}/issues/${issue.number}`;
  return {
    id: issue.id,
    node_id: nodeId("Issue", issue.id),
    url,
    repository_url: `${api}/repos/${fullName}`,
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: `${web}/${fullName}/issues/${issue.number}`,
    number: issue.number,
    state: issue.state,
    state_reason: issue.state_reason,
    title: issue.title,
    body: issue.body,
    user: userObject(state, issue.user, issue.user.endsWith("[bot]") ? "Bot" : "User"),
    labels: issue.labels.map((name) => labelObject(state, fullName, name)),
    assignee: issue.assignees[0] ? userObject(state, issue.assignees[0]) : null,
    assignees: issue.assignees.map((login) => userObject(state, login)),
    milestone: null,
    locked: false,
    active_lock_reason: null,
    comments: issue.comments.length,
    closed_at: issue.closed_at,
    created_at: issue.created_at,
    updated_at: issue.updated_at,
    closed_by: null,
    author_association: "NONE",
  };
}

export function commentObject(state: GitHubState, fullName: string, issueNumber: number, comment: CommentRecord): Json {
  const { api, web } = state.urls;
  return {
    id: comment.id,
    node_id: nodeId("IssueComment", comment.id),
    url: `${api}/repos/${fullName}/issues/comments/${comment.id}`,
    html_url: `${web}/${fullName}/issues/${issueNumber}#issuecomment-${comment.id}`,
    issue_url: `${api}/repos/${fullName}/issues/${issueNumber}`,
    body: comment.body,
    user: userObject(state, comment.user, comment.user.endsWith("[bot]") ? "Bot" : "User"),
    created_at: comment.created_at,
    updated_at: comment.updated_at,
    author_association: "NONE",
  };
}
