/** JSON shapes of GitLab objects, following the examples in docs.gitlab.com/ee/api. */
import type { GitLabState, HookRecord, NamespaceRecord, ProjectRecord, StatusRecord, TokenRecord } from "./state.js";
import { USER } from "./state.js";

type Json = Record<string, unknown>;

export function userObject(state: GitLabState): Json {
  return {
    id: USER.id,
    username: USER.username,
    name: USER.name,
    state: "active",
    locked: false,
    avatar_url: null,
    web_url: `${state.urls.web}/${USER.username}`,
  };
}

export function namespaceObject(state: GitLabState, ns: NamespaceRecord): Json {
  return {
    id: ns.id,
    name: ns.name,
    path: ns.path,
    kind: ns.kind,
    full_path: ns.fullPath,
    parent_id: ns.parentId,
    avatar_url: null,
    web_url: ns.kind === "group" ? `${state.urls.web}/groups/${ns.fullPath}` : `${state.urls.web}/${ns.fullPath}`,
  };
}

export function groupObject(state: GitLabState, ns: NamespaceRecord): Json {
  const names = ancestry(state, ns).map((n) => n.name);
  return {
    id: ns.id,
    web_url: `${state.urls.web}/groups/${ns.fullPath}`,
    name: ns.name,
    path: ns.path,
    description: "",
    visibility: "private",
    share_with_group_lock: false,
    require_two_factor_authentication: false,
    project_creation_level: "developer",
    subgroup_creation_level: "maintainer",
    lfs_enabled: true,
    default_branch: null,
    request_access_enabled: true,
    full_name: names.join(" / "),
    full_path: ns.fullPath,
    parent_id: ns.parentId,
    created_at: ns.createdAt,
    avatar_url: null,
  };
}

/** A namespace and its parents, outermost first. */
function ancestry(state: GitLabState, ns: NamespaceRecord): NamespaceRecord[] {
  const chain = [ns];
  let parentId = ns.parentId;
  while (parentId !== null) {
    const parent = [...state.namespaces.values()].find((n) => n.id === parentId);
    if (!parent) break;
    chain.unshift(parent);
    parentId = parent.parentId;
  }
  return chain;
}

export function projectObject(state: GitLabState, project: ProjectRecord, emptyRepo: boolean, lastActivityAt: string): Json {
  const { web, api, host } = state.urls;
  const p = project.pathWithNamespace;
  const self = `${api}/projects/${project.id}`;
  const names = [...ancestry(state, project.namespace).map((n) => n.name), project.name];
  return {
    id: project.id,
    description: null,
    name: project.name,
    name_with_namespace: names.join(" / "),
    path: project.path,
    path_with_namespace: p,
    created_at: project.createdAt,
    default_branch: project.defaultBranch,
    tag_list: [],
    topics: [],
    ssh_url_to_repo: `git@${host.split(":")[0]}:${p}.git`,
    http_url_to_repo: `${web}/${p}.git`,
    web_url: `${web}/${p}`,
    readme_url: null,
    forks_count: 0,
    avatar_url: null,
    star_count: 0,
    last_activity_at: lastActivityAt,
    namespace: namespaceObject(state, project.namespace),
    container_registry_image_prefix: `registry.sandbox.test/${p}`,
    _links: {
      self,
      issues: `${self}/issues`,
      merge_requests: `${self}/merge_requests`,
      repo_branches: `${self}/repository/branches`,
      labels: `${self}/labels`,
      events: `${self}/events`,
      members: `${self}/members`,
      cluster_agents: `${self}/cluster_agents`,
    },
    packages_enabled: true,
    empty_repo: emptyRepo,
    archived: false,
    visibility: project.visibility,
    resolve_outdated_diff_discussions: false,
    container_registry_enabled: true,
    issues_enabled: true,
    merge_requests_enabled: true,
    wiki_enabled: true,
    jobs_enabled: true,
    snippets_enabled: true,
    shared_runners_enabled: true,
    lfs_enabled: true,
    creator_id: USER.id,
    import_status: "none",
    open_issues_count: 0,
    ci_default_git_depth: 20,
    public_jobs: true,
    shared_with_groups: [],
    only_allow_merge_if_pipeline_succeeds: false,
    request_access_enabled: true,
    merge_method: "merge",
    squash_option: "default_off",
    permissions: { project_access: { access_level: 40, notification_level: 3 }, group_access: null },
  };
}

/** A project hook as the API shows it: the secret token is never returned. */
export function hookObject(project: ProjectRecord, hook: HookRecord): Json {
  return {
    id: hook.id,
    url: hook.url,
    name: null,
    description: null,
    project_id: project.id,
    push_events: hook.push_events,
    push_events_branch_filter: hook.push_events_branch_filter,
    issues_events: false,
    confidential_issues_events: false,
    merge_requests_events: false,
    tag_push_events: hook.tag_push_events,
    note_events: false,
    confidential_note_events: false,
    job_events: hook.job_events,
    pipeline_events: hook.pipeline_events,
    wiki_page_events: false,
    deployment_events: false,
    releases_events: false,
    repository_update_events: false,
    enable_ssl_verification: hook.enable_ssl_verification,
    alert_status: "executable",
    disabled_until: null,
    url_variables: [],
    custom_headers: [],
    created_at: hook.created_at,
  };
}

export function statusObject(state: GitLabState, status: StatusRecord): Json {
  return {
    id: status.id,
    sha: status.sha,
    ref: status.ref,
    status: status.status,
    name: status.name,
    target_url: status.target_url,
    description: status.description,
    created_at: status.created_at,
    started_at: status.started_at,
    finished_at: status.finished_at,
    allow_failure: false,
    coverage: status.coverage,
    pipeline_id: status.pipeline_id,
    author: userObject(state),
  };
}

export function tokenObject(token: TokenRecord): Json {
  return {
    id: token.id,
    name: token.name,
    revoked: token.revoked,
    created_at: token.createdAt,
    description: null,
    scopes: token.scopes,
    user_id: USER.id,
    last_used_at: new Date().toISOString(),
    active: !token.revoked && (!token.expiresAt || Date.parse(`${token.expiresAt}T00:00:00Z`) > Date.now()),
    expires_at: token.expiresAt,
  };
}
