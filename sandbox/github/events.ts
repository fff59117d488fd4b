/**
 * Webhook payloads built from @octokit/webhooks-examples: the community example keeps every key
 * GitHub sends, and only the values that identify this sandbox's repository, commits,
 * installation and people are replaced.
 */
import { ZERO_SHA } from "../git.js";
import { isoSeconds } from "./app-auth.js";
import { DEVELOPER_LOGIN } from "./context.js";
import { checkRunObject, commitStatusObject, installationObject, nodeId, repositoryObject, userObject, webhookExample } from "./objects.js";
import type { CheckRunRecord, CommitStatusRecord, GitHubState, KnownCommit, RepoRecord } from "./state.js";

type Json = Record<string, unknown>;

export interface PushCommitInput {
  id: string;
  added?: string[];
  modified?: string[];
  removed?: string[];
  message?: string;
}

export interface PushEventOptions {
  ref: string;
  before: string;
  after: string;
  /**
   * Commit objects or bare shas (so a PushResult from commitAndPush can be passed as is); details
   * of commits the sandbox made are filled in. Default: the sandbox's commits from before to after.
   */
  commits?: Array<PushCommitInput | string>;
  deleted?: boolean;
  created?: boolean;
  forced?: boolean;
  baseRef?: string | null;
}

/** GitHub lists at most this many commits in a push payload. */
const MAX_PUSH_COMMITS = 2048;

function installation(state: GitHubState): Json {
  return { id: state.installationId, node_id: nodeId("IntegrationInstallation", state.installationId) };
}

function commitJson(state: GitHubState, repo: RepoRecord, input: PushCommitInput, known?: KnownCommit): Json {
  const person = known
    ? { name: known.author.name, email: known.author.email, username: DEVELOPER_LOGIN }
    : { name: "Sandbox Developer", email: "developer@sandbox.test", username: DEVELOPER_LOGIN };
  return {
    id: input.id,
    tree_id: known?.tree_id ?? "",
    distinct: true,
    message: input.message ?? known?.message ?? "",
    timestamp: known?.timestamp ?? isoSeconds(),
    url: `${state.urls.web}/${repo.fullName}/commit/${input.id}`,
    author: person,
    committer: person,
    added: input.added ?? known?.added ?? [],
    removed: input.removed ?? known?.removed ?? [],
    modified: input.modified ?? known?.modified ?? [],
  };
}

/** Walk first parents from `after` back to `before` through commits the sandbox made. */
function knownRange(state: GitHubState, before: string, after: string): KnownCommit[] {
  const range: KnownCommit[] = [];
  let cursor = state.commits.get(after);
  while (cursor && cursor.id !== before && range.length < MAX_PUSH_COMMITS) {
    range.push(cursor);
    const parent = cursor.parents[0];
    cursor = parent ? state.commits.get(parent) : undefined;
  }
  return range.reverse();
}

export function buildPushEvent(state: GitHubState, repo: RepoRecord, options: PushEventOptions): Json {
  const payload = webhookExample("push", (e) => "installation" in e && String(e.ref).startsWith("refs/heads/"));
  const deleted = options.deleted ?? options.after === ZERO_SHA;
  const created = options.created ?? options.before === ZERO_SHA;
  const commits = deleted
    ? []
    : options.commits
      ? options.commits.map((c) => (typeof c === "string" ? { id: c } : c)).map((c) => commitJson(state, repo, c, state.commits.get(c.id)))
      : knownRange(state, options.before, options.after).map((k) => commitJson(state, repo, { id: k.id }, k));
  const headKnown = state.commits.get(options.after);
  const head = deleted ? null : (commits.find((c) => c.id === options.after) ?? commitJson(state, repo, { id: options.after }, headKnown));
  const short = (sha: string) => sha.slice(0, 12);
  const compareUrl = created
    ? `${state.urls.web}/${repo.fullName}/compare/${options.ref.replace(/^refs\/(heads|tags)\//, "")}`
    : `${state.urls.web}/${repo.fullName}/compare/${short(options.before)}...${short(options.after)}`;
  const sender = userObject(state, DEVELOPER_LOGIN);
  return Object.assign(payload, {
    ref: options.ref,
    before: options.before,
    after: options.after,
    repository: repositoryObject(state, repo, "push"),
    pusher: { name: DEVELOPER_LOGIN, email: `${sender.id}+${DEVELOPER_LOGIN}@users.noreply.sandbox.test` },
    sender,
    installation: installation(state),
    created,
    deleted,
    forced: options.forced ?? false,
    base_ref: options.baseRef ?? null,
    compare: compareUrl,
    commits,
    head_commit: head,
  });
}

/** The short repository entries installation events list. */
function installationRepo(repo: RepoRecord): Json {
  return { id: repo.id, node_id: nodeId("Repository", repo.id), name: repo.name, full_name: repo.fullName, private: repo.private };
}

/** `installation` (created, deleted, ...): the full installation object and its repositories. */
export function buildInstallationEvent(state: GitHubState, action: string, repos: RepoRecord[]): Json {
  const payload = webhookExample(
    "installation",
    (e) => e.action === action,
    (e) => e.action === "created",
  );
  return Object.assign(payload, {
    action,
    installation: { ...(payload.installation as Json), ...installationObject(state) },
    repositories: repos.map(installationRepo),
    requester: null,
    sender: userObject(state, DEVELOPER_LOGIN),
  });
}

/** `installation_repositories` (added, removed). */
export function buildInstallationRepositoriesEvent(state: GitHubState, action: "added" | "removed", repos: RepoRecord[]): Json {
  const payload = webhookExample("installation_repositories", (e) => e.action === action);
  return Object.assign(payload, {
    action,
    installation: { ...(payload.installation as Json), ...installationObject(state) },
    repository_selection: "selected",
    repositories_added: action === "added" ? repos.map(installationRepo) : [],
    repositories_removed: action === "removed" ? repos.map(installationRepo) : [],
    requester: null,
    sender: userObject(state, DEVELOPER_LOGIN),
  });
}

export function buildCheckRunEvent(state: GitHubState, repo: RepoRecord, action: string, run: CheckRunRecord, requestedActionIdentifier?: string): Json {
  const payload = webhookExample(
    "check_run",
    (e) => e.action === action && "installation" in e,
    (e) => e.action === action,
  );
  const runJson = checkRunObject(state, run);
  const suite = (payload.check_run as { check_suite: Json }).check_suite;
  Object.assign(payload, {
    action,
    check_run: {
      ...runJson,
      check_suite: {
        ...suite,
        id: run.check_suite_id,
        head_branch: repo.defaultBranch,
        head_sha: run.head_sha,
        status: run.status,
        conclusion: run.conclusion,
        url: `${state.urls.api}/repos/${repo.fullName}/check-suites/${run.check_suite_id}`,
        before: ZERO_SHA,
        after: run.head_sha,
        pull_requests: [],
        app: runJson.app,
        created_at: run.created_at,
        updated_at: run.updated_at,
      },
    },
    repository: repositoryObject(state, repo, "event"),
    sender: userObject(state, DEVELOPER_LOGIN),
    installation: installation(state),
  });
  if ("organization" in payload) payload.organization = userObject(state, repo.owner, "Organization");
  if (action === "requested_action") payload.requested_action = { identifier: requestedActionIdentifier ?? "" };
  else delete payload.requested_action;
  return payload;
}

/** `check_suite` (rerequested: **Re-run all checks**) for the suite of a check run's commit. */
export function buildCheckSuiteEvent(state: GitHubState, repo: RepoRecord, action: string, run: CheckRunRecord): Json {
  const payload = webhookExample(
    "check_suite",
    (e) => e.action === action && "installation" in e,
    (e) => e.action === action,
  );
  const runJson = checkRunObject(state, run);
  Object.assign(payload, {
    action,
    check_suite: {
      ...(payload.check_suite as Json),
      id: run.check_suite_id,
      head_branch: repo.defaultBranch,
      head_sha: run.head_sha,
      status: "completed",
      conclusion: run.conclusion,
      url: `${state.urls.api}/repos/${repo.fullName}/check-suites/${run.check_suite_id}`,
      before: ZERO_SHA,
      after: run.head_sha,
      pull_requests: [],
      app: runJson.app,
      latest_check_runs_count: 1,
      check_runs_url: `${state.urls.api}/repos/${repo.fullName}/check-suites/${run.check_suite_id}/check-runs`,
    },
    repository: repositoryObject(state, repo, "event"),
    sender: userObject(state, DEVELOPER_LOGIN),
    installation: installation(state),
  });
  if ("organization" in payload) payload.organization = userObject(state, repo.owner, "Organization");
  return payload;
}

/**
 * `status`: a commit status was created. The payload carries the status's fields at the top level,
 * the commit, and the branches whose tip it is (up to 10), as GitHub sends them.
 */
export function buildStatusEvent(state: GitHubState, repo: RepoRecord, status: CommitStatusRecord, branches: Array<{ name: string; sha: string }>): Json {
  const payload = webhookExample("status", (e) => "installation" in e);
  const known = state.commits.get(status.sha);
  const fields = commitStatusObject(state, status, false);
  const commit = payload.commit as Json;
  const author = { name: known?.author.name ?? "Sandbox Developer", email: known?.author.email ?? "developer@sandbox.test", date: known?.timestamp ?? status.created_at };
  Object.assign(payload, {
    id: status.id,
    sha: status.sha,
    name: repo.fullName,
    target_url: status.target_url,
    avatar_url: fields.avatar_url,
    context: status.context,
    description: status.description,
    state: status.state,
    commit: {
      ...commit,
      sha: status.sha,
      node_id: nodeId("Commit", Number.parseInt(status.sha.slice(0, 8), 16)),
      commit: {
        ...(commit.commit as Json),
        author,
        committer: author,
        message: known?.message ?? "",
        tree: { sha: known?.tree_id ?? "", url: `${state.urls.api}/repos/${repo.fullName}/git/trees/${known?.tree_id ?? ""}` },
        url: `${state.urls.api}/repos/${repo.fullName}/git/commits/${status.sha}`,
        verification: { verified: false, reason: "unsigned", signature: null, payload: null },
      },
      url: `${state.urls.api}/repos/${repo.fullName}/commits/${status.sha}`,
      html_url: `${state.urls.web}/${repo.fullName}/commit/${status.sha}`,
      comments_url: `${state.urls.api}/repos/${repo.fullName}/commits/${status.sha}/comments`,
      author: userObject(state, DEVELOPER_LOGIN),
      committer: userObject(state, DEVELOPER_LOGIN),
      parents: (known?.parents ?? []).map((sha) => ({
        sha,
        url: `${state.urls.api}/repos/${repo.fullName}/commits/${sha}`,
        html_url: `${state.urls.web}/${repo.fullName}/commit/${sha}`,
      })),
    },
    branches: branches.slice(0, 10).map((b) => ({ name: b.name, commit: { sha: b.sha, url: `${state.urls.api}/repos/${repo.fullName}/commits/${b.sha}` }, protected: false })),
    created_at: status.created_at,
    updated_at: status.updated_at,
    repository: repositoryObject(state, repo, "event"),
    sender: userObject(state, status.creator, status.creator.endsWith("[bot]") ? "Bot" : "User"),
    installation: installation(state),
  });
  if ("organization" in payload) payload.organization = userObject(state, repo.owner, "Organization");
  return payload;
}
