/**
 * Answers the history questions plan-ref-updates asks, with one local git process per differing
 * ref (usually one or two per sync). Target commits the cache has never seen cannot be ancestors of
 * source commits (the cache holds the source's whole history); such a tip's objects are fetched
 * from the target, so a refusal can say how far the sides diverged and a replaced tip can be backed up.
 */
import { GitError, GitPluginError, type SimpleGit } from "simple-git";
import { classifyGitError } from "./classify-git-error.js";
import type { RefDiff, RefFacts } from "./plan-ref-updates.js";
import type { RefMap } from "./types.js";

type Counts = { sourceOnly: number; targetOnly: number };

export interface FactInputs {
  git: SimpleGit;
  diff: RefDiff;
  /** Target tag ref → commit it points at (deletions are judged by the commit, not the tag object). */
  targetPeeled: RefMap;
  /** Where a target tip the cache never saw is fetched from; null: read-only, nothing is fetched (plans). */
  targetUrl: string | null;
  /** True when `targetSha` is already known to be an ancestor of the source's tip of `ref`. */
  knownAncestor?(ref: string, targetSha: string): boolean;
}

const TMP_NAMESPACE = "refs/mirror-bot/tmp/";

type Question = { ref: string; key: string; ask: () => Promise<Counts | undefined> };

export async function gatherRefFacts({ git, diff, targetPeeled, targetUrl, knownAncestor }: FactInputs): Promise<RefFacts> {
  const known = new Set(diff.updates.filter(({ ref, targetSha }) => knownAncestor?.(ref, targetSha)).map(({ targetSha, sourceSha }) => pairKey(targetSha, sourceSha)));
  const updates = diff.updates.filter(({ targetSha, sourceSha }) => !known.has(pairKey(targetSha, sourceSha)));
  const questions: Question[] = [
    ...updates.map(({ ref, targetSha, sourceSha }) => ({
      ref,
      key: pairKey(targetSha, sourceSha),
      ask: () => countDivergence(git, targetSha, sourceSha),
    })),
    ...diff.deletions.map(({ ref, targetSha }) => ({
      ref,
      key: targetSha,
      ask: () => countTargetOnly(git, targetPeeled.get(ref) ?? targetSha),
    })),
  ];
  const answers = new Map<string, Counts | undefined>();
  const ask = async (batch: Question[]) => {
    const counts = await Promise.all(batch.map((q) => q.ask()));
    batch.forEach((q, i) => answers.set(q.key, counts[i]));
  };

  await ask(questions);
  // A target tip the cache never saw: its objects are fetched, for the counts and for a backup.
  const unknown = questions.filter((q) => answers.get(q.key) === undefined);
  if (unknown.length > 0 && targetUrl !== null)
    await withTargetObjects(
      git,
      targetUrl,
      unknown.map((q) => q.ref),
      () => ask(unknown),
    );
  // A branch rewritten on the source: its old tip may still live on in another branch or tag.
  const rewritten = updates.filter(({ targetSha, sourceSha }) => (answers.get(pairKey(targetSha, sourceSha))?.targetOnly ?? 0) > 0);
  await ask(rewritten.map(({ ref, targetSha }) => ({ ref, key: targetSha, ask: () => countTargetOnly(git, targetSha) })));

  return {
    isAncestor: (oldSha, newSha) => {
      if (known.has(pairKey(oldSha, newSha))) return true;
      const counts = answers.get(pairKey(oldSha, newSha));
      return counts && counts.targetOnly === 0;
    },
    isReachableFromSource: (sha) => answers.get(sha)?.targetOnly === 0,
    divergence: (targetSha, sourceSha) => answers.get(sourceSha === null ? targetSha : pairKey(targetSha, sourceSha)),
  };
}

const pairKey = (targetSha: string, sourceSha: string) => `${targetSha}...${sourceSha}`;

/** Commits only on the target tip (left) and only on the source tip (right); undefined if the target tip is not local. */
async function countDivergence(git: SimpleGit, targetSha: string, sourceSha: string): Promise<Counts | undefined> {
  const output = await localQuery(git, ["rev-list", "--left-right", "--count", `${targetSha}...${sourceSha}`]);
  const match = output === undefined ? null : /^(\d+)\s+(\d+)/.exec(output.trim());
  return match ? { targetOnly: Number(match[1]), sourceOnly: Number(match[2]) } : undefined;
}

/** Commits reachable from `sha` but from no source branch or tag: 0 means deleting loses nothing. */
async function countTargetOnly(git: SimpleGit, sha: string): Promise<Counts | undefined> {
  const output = await localQuery(git, ["rev-list", "--count", sha, "--not", "--branches", "--tags"]);
  const count = output === undefined ? NaN : Number.parseInt(output.trim(), 10);
  return Number.isNaN(count) ? undefined : { targetOnly: count, sourceOnly: 0 };
}

const MISSING_OBJECT = /bad object|bad revision|unknown revision|ambiguous argument|Invalid symmetric difference|not a valid object/i;

/** Runs a read-only query in the cache; undefined when git says an object is not there. */
async function localQuery(git: SimpleGit, args: string[]): Promise<string | undefined> {
  try {
    return await git.raw(args);
  } catch (error) {
    if (error instanceof GitError && !(error instanceof GitPluginError) && MISSING_OBJECT.test(error.message)) return undefined;
    throw classifyGitError(error, { operation: "local" });
  }
}

/**
 * Fetches the target's version of `refs` into temporary refs (so the objects are safe from gc while
 * counted), runs `use`, then removes the temporary refs; the objects stay for the push's backups.
 * Failing to fetch only costs the counts (a backup then stops the sync: see mirror-refs.ts).
 */
async function withTargetObjects(git: SimpleGit, targetUrl: string, refs: string[], use: () => Promise<void>) {
  const tmpRefs = refs.map((ref) => `${TMP_NAMESPACE}${ref}`);
  try {
    const refspecs = refs.map((ref, i) => `+${ref}:${tmpRefs[i]}`);
    await git.raw(["fetch", "--no-tags", "--no-write-fetch-head", "--verbose", targetUrl, ...refspecs]);
  } catch {
    // The target may have moved or deleted the ref since it was listed; the push's lease will say so.
  }
  try {
    await use();
  } finally {
    // A temporary ref left behind only keeps objects alive; the next fetch overwrites it (+refspec).
    await Promise.all(tmpRefs.map((tmp) => git.raw(["update-ref", "-d", tmp]).catch(() => undefined)));
  }
}
