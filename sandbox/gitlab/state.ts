/** What the fake GitLab remembers: namespaces, projects, hooks, statuses and access tokens. */
import { HttpError } from "../http/router.js";

export interface GitLabUrls {
  /** `http://127.0.0.1:<port>`: web pages and git. */
  web: string;
  /** `http://127.0.0.1:<port>/api/v4`. */
  api: string;
  host: string;
}

export interface NamespaceRecord {
  id: number;
  name: string;
  path: string;
  fullPath: string;
  kind: "group" | "user";
  parentId: number | null;
  createdAt: string;
}

export interface HookRecord {
  id: number;
  url: string;
  /** Secret sent as X-Gitlab-Token; write-only in the API. */
  token?: string;
  push_events: boolean;
  tag_push_events: boolean;
  enable_ssl_verification: boolean;
  push_events_branch_filter: string;
  pipeline_events: boolean;
  job_events: boolean;
  created_at: string;
}

/** GitLab's CI statuses for jobs and pipelines (the ones the sandbox uses). */
export type CiStatus = "created" | "pending" | "running" | "success" | "failed" | "canceled" | "skipped" | "manual";

export interface JobRecord {
  id: number;
  name: string;
  stage: string;
  status: CiStatus;
  allowFailure: boolean;
  when: "on_success" | "manual";
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  failureReason: string | null;
  /** The raw log (ANSI colours and section markers included, as a runner writes it). */
  log: string;
  /** Replaced by a retry (the jobs API leaves it out unless include_retried). */
  retried: boolean;
  /** Made by a commit status posted through the API (stage "external"), not by CI. */
  external: boolean;
  /** The run time it reports (JobSpec.durationS). */
  durationS?: number;
}

export interface PipelineRecord {
  id: number;
  iid: number;
  sha: string;
  beforeSha: string;
  ref: string;
  tag: boolean;
  /** push, web, merge_request_event, external (a commit status made it), ... */
  source: string;
  name: string | null;
  status: CiStatus;
  stages: string[];
  jobs: JobRecord[];
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export type StatusState = "pending" | "running" | "success" | "failed" | "canceled" | "skipped";

export interface StatusRecord {
  id: number;
  sha: string;
  ref: string;
  status: StatusState;
  name: string;
  target_url: string | null;
  description: string | null;
  coverage: number | null;
  pipeline_id: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface ProtectedBranch {
  id: number;
  name: string;
  allowForcePush: boolean;
}

export interface ProjectRecord {
  id: number;
  name: string;
  path: string;
  pathWithNamespace: string;
  namespace: NamespaceRecord;
  visibility: "private" | "internal" | "public";
  defaultBranch: string;
  bareDir: string;
  createdAt: string;
  hooks: HookRecord[];
  statuses: StatusRecord[];
  protectedBranches: ProtectedBranch[];
  pipelines: PipelineRecord[];
}

export interface TokenRecord {
  id: number;
  name: string;
  token: string;
  scopes: string[];
  /** `YYYY-MM-DD`, as GitLab shows it; the token stops working at the start of that day (UTC). */
  expiresAt: string | null;
  revoked: boolean;
  createdAt: string;
}

export const USER = { id: 1, username: "sandbox-user", name: "Sandbox User", email: "sandbox-user@sandbox.test" };

export class GitLabState {
  readonly namespaces = new Map<string, NamespaceRecord>();
  readonly projects = new Map<string, ProjectRecord>();
  readonly tokens = new Map<string, TokenRecord>();
  /** Old paths of moved projects (lower-cased) → the project: GitLab's API follows them (redirect routes). */
  readonly redirects = new Map<string, ProjectRecord>();
  #ids = { namespace: 100, project: 2000, hook: 300, status: 50_000, pipeline: 70_000, token: 10, protected: 900, job: 90_000 };

  constructor(readonly urls: GitLabUrls) {}

  nextId(kind: "namespace" | "project" | "hook" | "status" | "pipeline" | "token" | "protected" | "job"): number {
    return ++this.#ids[kind];
  }

  /** A project by numeric id or by full path (matched case-insensitively, as GitLab does). */
  findProject(idOrPath: string): ProjectRecord | undefined {
    if (/^\d+$/.test(idOrPath)) return [...this.projects.values()].find((p) => p.id === Number(idOrPath));
    return this.projects.get(idOrPath.toLowerCase()) ?? this.redirects.get(idOrPath.toLowerCase());
  }

  project(idOrPath: string): ProjectRecord {
    const project = this.findProject(idOrPath);
    if (!project) throw new HttpError(404, { message: "404 Project Not Found" });
    return project;
  }

  findNamespace(idOrPath: string): NamespaceRecord | undefined {
    if (/^\d+$/.test(idOrPath)) return [...this.namespaces.values()].find((n) => n.id === Number(idOrPath));
    return this.namespaces.get(idOrPath.toLowerCase());
  }
}
