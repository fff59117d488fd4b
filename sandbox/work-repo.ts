/**
 * A developer's clone, kept bare: commits are written with fast-import (no checkout), then pushed
 * over real smart HTTP with Basic auth in an `http.extraHeader` (never in the URL). One work
 * repository per remote is reused, so each push only fetches what changed since the last one.
 */
import { access, mkdir } from "node:fs/promises";
import { basicAuthConfig, CommitClock, configEnv, git, initBare, listRefs, ZERO_SHA } from "./git.js";
import { writeCommits } from "./fast-import.js";

export interface CommitAndPushOptions {
  branch: string;
  /**
   * Path → content (null deletes). A commit is made when `files` or `message` is given; without
   * either, the branch is only pointed at `from` (creating a branch that adds nothing).
   */
  files?: Record<string, string | null>;
  message?: string;
  /** Several commits in one push, oldest first (instead of `files` and `message`): a developer pushing a day's work. */
  series?: Array<{ files: Record<string, string | null>; message?: string }>;
  /** Also point this tag at the pushed commit (or the branch tip when no commit is made). */
  tag?: string;
  deleteTag?: string;
  deleteBranch?: boolean;
  /** Rewrite history: the new commit replaces the tip (or sits on `parent`), pushed with force. */
  force?: boolean;
  /** Commit (sha or remote branch name) the new commit is built on. */
  parent?: string;
  /** Where a new branch starts (sha or remote branch name); default: the default branch. */
  from?: string;
  /** Credential for the push; default: the fake's developer token. */
  token?: string;
}

export interface RefChange {
  ref: string;
  before: string;
  after: string;
}

export interface PushResult extends RefChange {
  /** New commit shas, oldest first. */
  commits: string[];
  /** The tag change, when `tag` or `deleteTag` was given. */
  tag?: RefChange;
}

export interface CommitDetails {
  id: string;
  tree_id: string;
  parents: string[];
  message: string;
  time: number;
  author: { name: string; email: string };
  added: string[];
  removed: string[];
  modified: string[];
}

export class WorkRepo {
  #commitCount = 0;

  constructor(
    readonly gitDir: string,
    readonly remoteUrl: string,
    readonly defaultBranch: string,
    readonly defaultToken: string,
    readonly clock: CommitClock,
  ) {}

  #auth(token: string): Record<string, string> {
    return configEnv([basicAuthConfig("sandbox-developer", token)]);
  }

  /** Fetch every branch and tag of the remote; returns remote ref name → sha. */
  async fetch(token = this.defaultToken): Promise<Map<string, string>> {
    try {
      await access(this.gitDir);
    } catch {
      await mkdir(this.gitDir, { recursive: true });
      await initBare(this.gitDir, this.defaultBranch);
    }
    await git(["fetch", "--quiet", "--prune", "--force", "--no-tags", this.remoteUrl, "+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/remotes/origin-tags/*"], {
      cwd: this.gitDir,
      env: this.#auth(token),
    });
    const remote = new Map<string, string>();
    for (const [name, sha] of await listRefs(this.gitDir)) {
      if (name.startsWith("refs/remotes/origin/")) remote.set(`refs/heads/${name.slice(20)}`, sha);
      else if (name.startsWith("refs/remotes/origin-tags/")) remote.set(`refs/tags/${name.slice(25)}`, sha);
    }
    return remote;
  }

  async #resolve(remote: Map<string, string>, what: string): Promise<string> {
    const known = remote.get(`refs/heads/${what}`) ?? remote.get(`refs/tags/${what}`);
    if (known) return known;
    return (await git(["rev-parse", "--verify", `${what}^{commit}`], { cwd: this.gitDir })).trim();
  }

  async commitAndPush(options: CommitAndPushOptions): Promise<PushResult> {
    const token = options.token ?? this.defaultToken;
    const remote = await this.fetch(token);
    const ref = `refs/heads/${options.branch}`;
    const before = remote.get(ref) ?? ZERO_SHA;
    const specs: string[] = [];
    const plus = options.force ? "+" : "";
    let after = before;
    let commits: string[] = [];

    const commit = options.files !== undefined || options.message !== undefined || options.series !== undefined;
    if (options.deleteBranch) {
      specs.push(`:${ref}`);
      after = ZERO_SHA;
    } else if (!commit) {
      // No new commit: point the branch at `from` (default: the default branch) when asked to,
      // or when it does not exist yet.
      if (options.from !== undefined || before === ZERO_SHA) {
        after = await this.#resolve(remote, options.from ?? this.defaultBranch);
        if (after !== before) specs.push(`${plus}${after}:${ref}`);
      }
    } else {
      const parent = await this.#parentFor(options, remote, before);
      commits = await writeCommits(this.gitDir, {
        ref: "refs/sandbox/work",
        parent,
        commits: (options.series ?? [{ files: options.files, message: options.message }]).map((c) => ({
          message: c.message ?? `Sandbox commit ${++this.#commitCount} on ${options.branch}`,
          files: c.files,
          author: { name: "Sandbox Developer", email: "developer@sandbox.test" },
          time: this.clock.tick(),
        })),
      });
      after = commits[commits.length - 1]!;
      specs.push(`${plus}${after}:${ref}`);
    }

    let tag: RefChange | undefined;
    if (options.tag !== undefined) {
      const tagRef = `refs/tags/${options.tag}`;
      const target = after !== ZERO_SHA ? after : before;
      tag = { ref: tagRef, before: remote.get(tagRef) ?? ZERO_SHA, after: target };
      specs.push(`${plus}${target}:${tagRef}`);
    } else if (options.deleteTag !== undefined) {
      const tagRef = `refs/tags/${options.deleteTag}`;
      tag = { ref: tagRef, before: remote.get(tagRef) ?? ZERO_SHA, after: ZERO_SHA };
      specs.push(`:${tagRef}`);
    }

    if (specs.length > 0) await git(["push", "--quiet", "--porcelain", this.remoteUrl, ...specs], { cwd: this.gitDir, env: this.#auth(token) });
    return { ref, before, after, commits, ...(tag ? { tag } : {}) };
  }

  async #parentFor(options: CommitAndPushOptions, remote: Map<string, string>, before: string): Promise<string | undefined> {
    if (options.parent) return this.#resolve(remote, options.parent);
    if (before !== ZERO_SHA) {
      if (!options.force) return before;
      // Force without a parent: amend, i.e. replace the tip with a sibling commit.
      const parents = (await git(["rev-list", "--parents", "-n", "1", before], { cwd: this.gitDir })).trim().split(" ");
      return parents[1];
    }
    if (options.from) return this.#resolve(remote, options.from);
    return remote.get(`refs/heads/${this.defaultBranch}`);
  }
}

/**
 * Tree, parents, message, author and changed paths of commits, for push payloads: one
 * `git log --stdin --no-walk` for any number of commits, in the order given.
 */
export async function describeCommits(gitDir: string, shas: string[]): Promise<CommitDetails[]> {
  if (shas.length === 0) return [];
  const out = await git(["log", "--stdin", "--no-walk=unsorted", "--no-renames", "--name-status", "-z", "--format=%x1e%H%x1f%T%x1f%P%x1f%an%x1f%ae%x1f%at%x1f%B%x1f"], {
    cwd: gitDir,
    input: shas.join("\n") + "\n",
  });
  return out
    .split("\x1e")
    .filter(Boolean)
    .map((record) => {
      const headerEnd = record.lastIndexOf("\x1f");
      const [id, tree, parents, name, email, time, message] = record.slice(0, headerEnd).split("\x1f");
      const commit: CommitDetails = {
        id: id!,
        tree_id: tree!,
        parents: parents ? parents.split(" ") : [],
        message: (message ?? "").replace(/\n+$/, ""),
        time: Number(time),
        author: { name: name!, email: email! },
        added: [],
        removed: [],
        modified: [],
      };
      // After the header: NUL, newline, then "status NUL path NUL" pairs.
      const fields = record
        .slice(headerEnd + 1)
        .replace(/^[\0\n]+/, "")
        .split("\0")
        .filter(Boolean);
      for (let i = 0; i + 1 < fields.length; i += 2) {
        const list = fields[i] === "A" ? commit.added : fields[i] === "D" ? commit.removed : commit.modified;
        list.push(fields[i + 1]!);
      }
      return commit;
    });
}
