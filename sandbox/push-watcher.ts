/**
 * Notices what a git push changed: refs are read before `git http-backend` runs and again after,
 * and the differences go to a listener. Both fakes use it to send webhooks after pushes, as
 * GitHub and GitLab do. Repositories nobody listens to pay nothing (no extra git calls).
 */
import type { GitRequest } from "./git-http-backend.js";
import { git, listRefs, ZERO_SHA } from "./git.js";
import type { RefChange } from "./work-repo.js";

export interface RefsAroundPush {
  before: Map<string, string>;
  after: Map<string, string>;
}

export interface PushWatcherOptions {
  /** The bare repository behind a git request path, if it is watched. */
  watched(repoPath: string): string | undefined;
  /** Called once per push with the refs that changed (sorted by name) and all refs before and after. */
  onPush(repoPath: string, changes: RefChange[], refs: RefsAroundPush): Promise<void>;
  onError(error: Error): void;
}

export class PushWatcher {
  readonly #before = new WeakMap<GitRequest, { gitDir: string; refs: Promise<Map<string, string>>; done: () => void }>();
  readonly #pending = new Set<Promise<void>>();

  constructor(private readonly options: PushWatcherOptions) {}

  /**
   * For createGitHttpHandler's `beforePush`. The push counts as pending from here on: the client
   * can see git's answer before `afterPush` runs, and `settled()` must still wait for its webhook.
   */
  readonly beforePush = (request: GitRequest): void => {
    const gitDir = this.options.watched(request.repoPath);
    if (!gitDir) return;
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    this.#pending.add(finished);
    void finished.finally(() => this.#pending.delete(finished));
    this.#before.set(request, { gitDir, refs: listRefs(gitDir), done });
  };

  /** For createGitHttpHandler's `onPush`: diffs the refs, then notifies without blocking git's answer. */
  readonly afterPush = (request: GitRequest): void => {
    const before = this.#before.get(request);
    if (!before) return;
    void (async () => {
      const refsBefore = await before.refs;
      const refsAfter = await listRefs(before.gitDir);
      const changes = [...new Set([...refsBefore.keys(), ...refsAfter.keys()])]
        .sort()
        .map((ref) => ({ ref, before: refsBefore.get(ref) ?? ZERO_SHA, after: refsAfter.get(ref) ?? ZERO_SHA }))
        .filter((change) => change.before !== change.after);
      if (changes.length > 0) await this.options.onPush(request.repoPath, changes, { before: refsBefore, after: refsAfter });
    })()
      .catch((error: Error) => this.options.onError(error))
      .finally(before.done);
  };

  /** Resolves once every notification of earlier pushes has finished. */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }
}

/**
 * Commits a ref change brought, newest `limit` of them (oldest first), and how many in all.
 * A new ref brings only what no other ref had, before or after the push (so a tag on a pushed
 * commit brings nothing, as on GitHub).
 */
export async function newCommitsOf(gitDir: string, { ref, before, after }: RefChange, refs: RefsAroundPush, limit: number): Promise<{ shas: string[]; total: number }> {
  if (after === ZERO_SHA) return { shas: [], total: 0 };
  const others = new Set<string>();
  for (const map of [refs.before, refs.after]) for (const [name, sha] of map) if (name !== ref) others.add(sha);
  const range = before === ZERO_SHA ? [after, "--not", ...others] : [`${before}..${after}`];
  const all = (await git(["rev-list", ...range], { cwd: gitDir })).split("\n").filter(Boolean);
  return { shas: all.slice(0, limit).reverse(), total: all.length };
}

/** True when `after` does not contain `before` (a force push); false for creations and deletions. */
export async function isForced(gitDir: string, { before, after }: RefChange): Promise<boolean> {
  if (before === ZERO_SHA || after === ZERO_SHA) return false;
  try {
    await git(["merge-base", "--is-ancestor", before, after], { cwd: gitDir });
    return false;
  } catch {
    return true;
  }
}
