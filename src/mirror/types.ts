/** The mirror engine's public contract: what a sync needs and what it reports. */

/** An http(s) remote. The password (a token) never appears in a URL, argv or config file. */
export interface GitEndpoint {
  url: string;
  username: string;
  password: string;
}

export interface MirrorRequest {
  /** Absolute path of the bare cache repository for this source repo; created if missing. */
  cacheDir: string;
  /** GitHub: fetched from. */
  source: GitEndpoint;
  /** GitLab: pushed to. */
  target: GitEndpoint;
  /** Filter from config; only refs/heads/* and refs/tags/* can ever pass. */
  includeRef: (fullRef: string) => boolean;
  /** Allow non-fast-forward updates, tag moves and deletions that lose commits. */
  force: boolean;
  /** Propagate deletions. */
  prune: boolean;
  /** Per git process (default 120000); on expiry a MirrorError("timeout") is thrown. */
  timeoutMs?: number;
}

export type RefChange = {
  ref: string;
  action: "create" | "fast-forward" | "force-update" | "delete" | "force-delete";
  oldSha: string | null;
  newSha: string | null;
};

export type RefRefusal = {
  ref: string;
  reason: "diverged" | "tag-moved" | "would-lose-commits";
  sourceSha: string | null;
  targetSha: string;
  /** Commits on the source but not on the target. */
  sourceOnly?: number;
  /** Commits on the target but not on the source. */
  targetOnly?: number;
};

export interface MirrorResult {
  changes: RefChange[];
  refusals: RefRefusal[];
  unchangedCount: number;
}

/** ref name → object id. */
export type RefMap = Map<string, string>;
