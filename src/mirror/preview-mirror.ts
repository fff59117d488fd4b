/**
 * A sync's plan without the sync: both sides as listed (`ls-remote`, see compare-refs.ts), the
 * agreement record, and history answered read-only from the source's cache when it exists.
 * Nothing is fetched, pushed or written; what needs history the cache lacks is left `undecided`
 * (preview-ref-updates.ts).
 */
import { access } from "node:fs/promises";
import { createGit } from "./git.js";
import type { AdvertisedRefs } from "./types.js";
import { diffRefs, type RefFacts } from "./plan-ref-updates.js";
import { previewRefUpdates, type RefPreview } from "./preview-ref-updates.js";
import { gatherRefFacts } from "./ref-facts.js";
import type { BlockedRef, RefChange, RefMap } from "./types.js";

export interface PreviewRequest {
  /** The bare cache holding the source's history (push cache or pull cache); may not exist. */
  cacheDir: string;
  source: AdvertisedRefs;
  target: AdvertisedRefs;
  includeRef: (fullRef: string) => boolean;
  prune: boolean;
  force: boolean;
  agreed: RefMap;
  twoWay: boolean;
  blockedBy?: (changes: RefChange[]) => BlockedRef[];
  timeoutMs: number;
}

export interface MirrorPreview extends RefPreview {
  /** Whether history came from an existing cache (else every ancestry question was unknown). */
  historyFromCache: boolean;
}

const UNKNOWN: RefFacts = { isAncestor: () => undefined, isReachableFromSource: () => false, divergence: () => undefined };

export async function previewMirror(req: PreviewRequest): Promise<MirrorPreview> {
  const sides = { source: req.source.refs, target: req.target.refs, includeRef: req.includeRef, prune: req.prune };
  const diff = diffRefs(sides);
  const needsHistory = diff.updates.length + diff.deletions.length > 0;
  const cached = needsHistory && (await exists(req.cacheDir));
  const facts = cached
    ? await gatherRefFacts({ git: createGit(req.cacheDir, { timeoutMs: req.timeoutMs, credentials: [] }), diff, targetPeeled: req.target.peeled, targetUrl: null })
    : UNKNOWN;
  const preview = previewRefUpdates({ ...sides, force: req.force, facts, agreed: req.agreed, twoWay: req.twoWay }, req.blockedBy);
  return { ...preview, historyFromCache: cached };
}

async function exists(dir: string): Promise<boolean> {
  return access(dir).then(
    () => true,
    () => false,
  );
}
