/** The mirror engine's public contract: what a sync needs and what it reports. */
import type { SyncProgress } from "./git-progress.js";

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
  /** Per git process (MIRROR_GIT_TIMEOUT_MS); on expiry a MirrorError("timeout") is thrown. */
  timeoutMs: number;
  /** Which forge each side is, for messages; default GitHub → GitLab (pull mirrors swap them). */
  sides?: { source: RemoteName; target: RemoteName };
  /**
   * The commits both sides last agreed on, per ref (agreed-refs.ts). A target tip still at its
   * agreed commit holds nothing the source lacks, so it follows the source's rewrite or deletion.
   * Read before planning and written after every sync, for every direction.
   */
  agreed: AgreedRefs;
  /**
   * Tips the source had for each ref before the changes this sync carries (the `before` of each
   * push event folded into the job). A target tip equal to one of them is the source's old work.
   */
  befores?: ReadonlyMap<string, ReadonlySet<string>>;
  /**
   * Two-way mode (`direction: both`), one half of it: what moved on the target alone since the
   * last agreement (strictly ahead, created, rewritten, deleted) is left for the other half
   * (`deferred`) instead of being refused, overwritten or deleted.
   */
  twoWay?: boolean;
  /**
   * Keep every tip a non-fast-forward update or a commit-dropping deletion replaces, as
   * `refs/mirror-backup/<heads|tags>/<name>/<UTC time>` on the target, in the same atomic push.
   */
  backups?: { now?: () => Date };
  /** Also return `inSync` (for reports on commits that arrived from the other side). */
  listInSync?: boolean;
  /**
   * Pre-flight before the push: planned changes the target would refuse anyway (a protected
   * branch, a workflow change without the permission), taken out of the push and reported in
   * `blocked` (src/diagnostics/). `changedPaths` answers from the cache which files a change brings.
   */
  screenChanges?: (changes: RefChange[], cache: { changedPaths: (change: RefChange) => Promise<string[]> }) => Promise<BlockedRef[]>;
  /**
   * Called as git reports objects received from the source and sent to the target (its
   * `--progress` lines, git-progress.ts), for a long sync's in-progress check run. Without it, git
   * is not asked for progress.
   */
  onProgress?: (progress: SyncProgress) => void;
  /**
   * The source fetch into the cache, already started by the caller (see `prefetchSource`) so it
   * overlaps with resolving the target; the sync waits for it instead of fetching again
   * (undefined: there was no cache to refresh, so the sync fetches itself).
   */
  prefetched?: Promise<FetchedSource | undefined>;
  /**
   * The target's branches and tags in this process's memory (mirror-refs.ts): "use" plans against
   * them instead of listing the target, when this process's last sync of this cache to this URL
   * planned from a listing less than TARGET_MEMORY_MS old (the push's leases catch a target that
   * moved meanwhile; the sync then lists it and plans again); "keep" lists, and leaves what it
   * pushed for the next sync. Absent: neither (the pull half, the CLI).
   */
  targetMemory?: "use" | "keep";
  /**
   * Git LFS (src/lfs/): the objects the pushed commits' pointers name are copied from the source's
   * LFS server to the target's before the push. Absent: on, with the default cache bound.
   */
  lfs?: LfsOptions;
}

export interface LfsOptions {
  /** `lfs: false` in `.mirror.yml`: pointers are pushed as they are, and the result says so. */
  enabled: boolean;
  /** MIRROR_LFS_CACHE_MB in bytes: the cache's bound; a larger object streams through uncached. */
  cacheBytes: number;
  /** Bytes copied so far, for long transfers (called at most about once a second). */
  onProgress?: (progress: LfsProgress) => void;
}

export interface LfsProgress {
  objects: number;
  totalObjects: number;
  bytes: number;
  totalBytes: number;
}

/** A Git LFS pointer found in the pushed commits: the object it names and a path it is at. */
export interface LfsPointer {
  oid: string;
  size: number;
  path: string;
}

/** Why a ref's LFS objects could not be copied (the ref is then left out of the push). */
export type LfsCause = "missing-on-source" | "target-limit" | "lfs-disabled";

/** The cache's refs around a fetch from the source, and whether every ref only moved forward. */
export interface FetchedSource {
  before: RefMap;
  after: RefMap;
  fastForwardOnly: boolean;
}

export type RemoteName = "GitHub" | "GitLab";

export type RefChange = {
  ref: string;
  action: "create" | "fast-forward" | "force-update" | "delete" | "force-delete";
  oldSha: string | null;
  newSha: string | null;
  /**
   * Why the target's commits could be replaced or dropped: the source rewrote or deleted the ref
   * and the target held only what the source had (`followed`), or `force: true` (`forced`).
   * Absent for fast-forwards, creations and deletions whose commits another ref still holds.
   */
  because?: "followed" | "forced";
  /** Where the replaced tip is kept on the target (pushed in the same atomic push). */
  backupRef?: string;
};

/** The agreement record of one mirror: ref → the commit both sides last held. */
export interface AgreedRefs {
  load(): Promise<RefMap>;
  save(refs: RefMap): Promise<void>;
}

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
  /** Two-way only: refs that changed on the target side, left for the other half to carry back. */
  deferred?: string[];
  /** With `listInSync`: ref → commit, for each mirrored ref the target holds at the source's commit after this sync. */
  inSync?: Record<string, string>;
  /** With `screenChanges`: planned changes not pushed because the target would refuse them. */
  blocked?: BlockedRef[];
  /** Git LFS work of this sync; absent when the pushed commits hold no LFS pointer. */
  lfs?: LfsSummary;
}

export interface LfsSummary {
  /** Objects uploaded to the target (those it already had are not counted). */
  copied: number;
  bytes: number;
  /** `lfs: false`: pointers pushed whose objects were not copied. */
  notCopied?: number;
}

/** A planned change left out of the push because the target would refuse it. */
export type BlockedRef = RefChange &
  (
    | {
        /** What the target's branch protection forbids: force pushes, or deleting the branch. */
        rule: "force-push" | "delete";
        /** The protected branch rule (name or wildcard) that matched. */
        protectedBy: string;
      }
    | {
        /** GitHub: the change creates or updates a workflow and the app lacks `workflows: write`. */
        rule: "workflows";
        /** The first workflow file it changes, e.g. `.github/workflows/ci.yml`. */
        path: string;
      }
    | {
        /** Git LFS objects the change's commits point to could not be copied to the target. */
        rule: "lfs";
        cause: LfsCause;
        /** The objects (all of them; reports show the first 10). */
        objects: LfsPointer[];
        /** The service's own words, when it gave any (e.g. GitLab's size limit message). */
        serviceMessage?: string;
      }
  );

/** ref name → object id. */
export type RefMap = Map<string, string>;

/** What `git ls-remote` advertises. */
export interface AdvertisedRefs {
  refs: RefMap;
  /** For annotated tags: tag ref → the commit it points at (from `^{}` lines). */
  peeled: RefMap;
}
