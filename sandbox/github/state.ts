/** What the fake GitHub remembers: repositories, check runs, issues, and commits it made itself. */
import { HttpError } from "../http/router.js";
import { DOCS_URL } from "./app-auth.js";
import { APP_PERMISSIONS } from "./objects.js";

export interface GitHubUrls {
  /** `http://127.0.0.1:<port>`: web pages and git. */
  web: string;
  /** `http://127.0.0.1:<port>/api/v3`. */
  api: string;
  /** `127.0.0.1:<port>`. */
  host: string;
}

export interface RepoRecord {
  id: number;
  owner: string;
  ownerId: number;
  name: string;
  fullName: string;
  private: boolean;
  defaultBranch: string;
  bareDir: string;
  createdAt: number;
  pushedAt: number;
}

export interface Annotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: "notice" | "warning" | "failure";
  message: string;
  title?: string;
  raw_details?: string;
}

export interface CheckRunAction {
  label: string;
  description: string;
  identifier: string;
}

export interface CheckRunRecord {
  id: number;
  /** Full name of the repository, as created. */
  repo: string;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  started_at: string | null;
  completed_at: string | null;
  details_url: string | null;
  external_id: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
  annotations: Annotation[];
  actions: CheckRunAction[];
  check_suite_id: number;
  created_at: string;
  updated_at: string;
  /** The app that made it, when not this app (another CI: `FakeGitHub.createForeignCheckRun`). */
  app?: ForeignApp;
}

/** Another GitHub App that writes check runs, such as GitHub Actions. */
export interface ForeignApp {
  id: number;
  slug: string;
  name: string;
}

/** A commit status (`POST /repos/{owner}/{repo}/statuses/{sha}`). */
export interface CommitStatusRecord {
  id: number;
  /** Full name of the repository. */
  repo: string;
  sha: string;
  state: "error" | "failure" | "pending" | "success";
  context: string;
  description: string | null;
  target_url: string | null;
  creator: string;
  created_at: string;
  updated_at: string;
}

export interface CommentRecord {
  id: number;
  body: string;
  user: string;
  created_at: string;
  updated_at: string;
}

export interface IssueRecord {
  id: number;
  number: number;
  title: string;
  body: string | null;
  state: "open" | "closed";
  state_reason: string | null;
  labels: string[];
  assignees: string[];
  user: string;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  comments: CommentRecord[];
}

/** A commit the sandbox made, remembered so push payloads can list it without asking git. */
export interface KnownCommit {
  id: string;
  tree_id: string;
  parents: string[];
  message: string;
  timestamp: string;
  author: { name: string; email: string };
  added: string[];
  removed: string[];
  modified: string[];
}

export class GitHubState {
  readonly repos = new Map<string, RepoRecord>();
  readonly checkRuns = new Map<number, CheckRunRecord>();
  /** Every commit status posted, oldest first (GitHub keeps them all; the newest per context counts). */
  readonly commitStatuses: CommitStatusRecord[] = [];
  readonly issues = new Map<string, IssueRecord[]>();
  readonly commits = new Map<string, KnownCommit>();
  /** Commits known to exist per repository (saves a git call per check run). */
  readonly verifiedCommits = new Set<string>();
  #nextRepoId = 7_000_001;
  #nextCheckRunId = 9_000_001;
  #nextIssueId = 8_000_001;
  #nextStatusId = 6_800_000_001;
  #ownerIds = new Map<string, number>();
  /** Repositories taken out of the installation (full names, lower case): its tokens no longer see them. */
  readonly removedFromInstallation = new Set<string>();
  /** The installation's account: the owner of the first repository created. */
  account = "sandbox-org";
  /**
   * What the installation is granted (the org accepted); tokens get these at issue time, and a
   * permission taken away here stops working for tokens already issued too.
   */
  installationPermissions: Record<string, string> = { ...APP_PERMISSIONS };

  constructor(
    readonly urls: GitHubUrls,
    readonly app: { id: number; slug: string; name: string },
    readonly installationId: number,
  ) {}

  nextRepoId(): number {
    return this.#nextRepoId++;
  }
  nextCheckRunId(): number {
    return this.#nextCheckRunId++;
  }
  nextIssueId(): number {
    return this.#nextIssueId++;
  }
  nextStatusId(): number {
    return this.#nextStatusId++;
  }

  /** Stable ids for account logins, so the same owner always has the same id. */
  ownerId(login: string): number {
    const key = login.toLowerCase();
    if (!this.#ownerIds.has(key)) this.#ownerIds.set(key, 5_000_001 + this.#ownerIds.size);
    return this.#ownerIds.get(key)!;
  }

  /** GitHub matches owner/name case-insensitively. */
  findRepo(owner: string, name: string): RepoRecord | undefined {
    return this.repos.get(`${owner}/${name}`.toLowerCase());
  }

  inInstallation(repo: RepoRecord): boolean {
    return !this.removedFromInstallation.has(repo.fullName.toLowerCase());
  }

  repo(owner: string, name: string): RepoRecord {
    const repo = this.findRepo(owner, name);
    if (!repo) throw notFound();
    return repo;
  }
}

export function notFound(): HttpError {
  return new HttpError(404, { message: "Not Found", documentation_url: DOCS_URL });
}

/** GitHub's 422: "Invalid request." plus what was wrong. */
export function invalid(detail: string): HttpError {
  return new HttpError(422, { message: `Invalid request.\n\n${detail}`, documentation_url: DOCS_URL });
}
