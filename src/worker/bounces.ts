/**
 * Loop freedom, the reporting half. Every push mirror-bot makes comes back as a webhook from the
 * side it pushed to (GitHub's push event, GitLab's Push Hook). The sync that follows is a no-op by
 * construction (both sides already hold the commit, so nothing is pushed), but without this log it
 * would still write a check run or a commit status on a commit that was just reported on.
 *
 * Each push is remembered as (side, repository, mirror, ref, sha) and consumed by the first job
 * whose report target matches it, so a later "Re-run" of the same commit reports as usual. The
 * log is per process: with several replicas a bounce handled by another replica costs one extra
 * "up to date" report, never a push.
 */
import type { RefChange } from "../mirror/types.js";

export type Side = "github" | "gitlab";

const TTL_MS = 10 * 60 * 1000;
const MAX_ENTRIES = 10_000;

export class BounceLog {
  readonly #entries = new Map<string, number>(); // key → expiry

  constructor(private readonly now: () => number = Date.now) {}

  /** Remembers the refs a mirror just pushed to `side`. */
  recordPushed(side: Side, repoKey: string, mirrorKey: string | number, changes: RefChange[]): void {
    const expires = this.now() + TTL_MS;
    for (const change of changes) {
      if (change.newSha === null) continue; // a deletion brings no report target back
      this.#entries.delete(key(side, repoKey, mirrorKey, change.ref, change.newSha));
      this.#entries.set(key(side, repoKey, mirrorKey, change.ref, change.newSha), expires);
    }
    while (this.#entries.size > MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value as string);
  }

  /** True (once) when `ref` at `sha` on `side` is this mirror's own push coming back. */
  takeBounce(side: Side, repoKey: string, mirrorKey: string | number, ref: string, sha: string): boolean {
    const k = key(side, repoKey, mirrorKey, ref, sha);
    const expires = this.#entries.get(k);
    if (expires === undefined) return false;
    this.#entries.delete(k);
    return expires > this.now();
  }
}

const key = (side: Side, repoKey: string, mirrorKey: string | number, ref: string, sha: string) =>
  `${side}\n${repoKey.toLowerCase()}\n${String(mirrorKey).toLowerCase()}\n${ref}\n${sha}`;
