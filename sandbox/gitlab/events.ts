/**
 * GitLab "Push Hook" / "Tag Push Hook" payloads, shaped like the examples in GitLab's webhook
 * events documentation.
 */
import { ZERO_SHA } from "../git.js";
import type { GitLabState, ProjectRecord } from "./state.js";
import { USER } from "./state.js";

export interface GitLabPushCommit {
  id: string;
  message?: string;
  title?: string;
  timestamp?: string;
  author?: { name: string; email: string };
  added?: string[];
  modified?: string[];
  removed?: string[];
}

export interface GitLabPushEventOptions {
  ref: string;
  before: string;
  after: string;
  commits?: GitLabPushCommit[];
  /** All commits the push brought; `commits` holds at most 20 of them. Default: commits.length. */
  totalCommitsCount?: number;
  /** Annotated tag message, for tag pushes. */
  message?: string | null;
}

const VISIBILITY_LEVEL = { private: 0, internal: 10, public: 20 } as const;

/** GitLab branch patterns: `*` matches anything, including `/`. */
export function matchesPattern(pattern: string, branch: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .split("*")
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  );
  return regex.test(branch);
}

export function buildGitLabPushEvent(state: GitLabState, project: ProjectRecord, options: GitLabPushEventOptions): Record<string, unknown> {
  const { web, host } = state.urls;
  const p = project.pathWithNamespace;
  const isTag = options.ref.startsWith("refs/tags/");
  const branch = options.ref.replace(/^refs\/heads\//, "");
  const gitSsh = `git@${host.split(":")[0]}:${p}.git`;
  const gitHttp = `${web}/${p}.git`;
  const commits = (options.commits ?? []).map((c) => {
    const message = c.message ?? "";
    return {
      id: c.id,
      message,
      title: c.title ?? message.split("\n")[0] ?? "",
      timestamp: c.timestamp ?? new Date().toISOString(),
      url: `${web}/${p}/-/commit/${c.id}`,
      author: c.author ?? { name: "Sandbox Developer", email: "developer@sandbox.test" },
      added: c.added ?? [],
      modified: c.modified ?? [],
      removed: c.removed ?? [],
    };
  });
  const visibilityLevel = VISIBILITY_LEVEL[project.visibility];
  return {
    object_kind: isTag ? "tag_push" : "push",
    event_name: isTag ? "tag_push" : "push",
    before: options.before,
    after: options.after,
    ref: options.ref,
    ref_protected: !isTag && project.protectedBranches.some((b) => matchesPattern(b.name, branch)),
    checkout_sha: options.after === ZERO_SHA ? null : options.after,
    message: options.message ?? null,
    user_id: USER.id,
    user_name: USER.name,
    user_username: USER.username,
    user_email: "",
    user_avatar: null,
    project_id: project.id,
    project: {
      id: project.id,
      name: project.name,
      description: null,
      web_url: `${web}/${p}`,
      avatar_url: null,
      git_ssh_url: gitSsh,
      git_http_url: gitHttp,
      namespace: project.namespace.name,
      visibility_level: visibilityLevel,
      path_with_namespace: p,
      default_branch: project.defaultBranch,
      ci_config_path: null,
      homepage: `${web}/${p}`,
      url: gitSsh,
      ssh_url: gitSsh,
      http_url: gitHttp,
    },
    commits,
    total_commits_count: options.totalCommitsCount ?? commits.length,
    push_options: {},
    repository: {
      name: project.name,
      url: gitSsh,
      description: null,
      homepage: `${web}/${p}`,
      git_http_url: gitHttp,
      git_ssh_url: gitSsh,
      visibility_level: visibilityLevel,
    },
  };
}
