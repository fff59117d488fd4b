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
  created_at: string;
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
  #ids = { namespace: 100, project: 2000, hook: 300, status: 50_000, pipeline: 70_000, token: 10, protected: 900 };

  constructor(readonly urls: GitLabUrls) {}

  nextId(kind: "namespace" | "project" | "hook" | "status" | "pipeline" | "token" | "protected"): number {
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
