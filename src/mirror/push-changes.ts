/**
 * Applies a plan to the target in one atomic push. Every ref carries a lease on the value the plan
 * was computed from (which is also what lets a forced update through), so a concurrent push to
 * the target is never overwritten: the whole push fails instead (lease_lost) and the next sync
 * plans again. Sources are object ids, never local ref names, so what is pushed is exactly what
 * was planned even if the cache moves meanwhile.
 */
import type { SimpleGit } from "simple-git";
import { MirrorError } from "../errors.js";
import { classifyGitError } from "./classify-git-error.js";
import { parsePushPorcelain } from "./git-output.js";
import type { RefChange, RemoteName } from "./types.js";

// Linux caps argv near 2 MiB; far below that, one push carries every ref (atomic). A first sync of
// a repository with tens of thousands of tags is split into several atomic pushes instead.
const MAX_ARGV_BYTES = 512 * 1024;

/** `progress`: git reports objects written on stderr (`--progress`), for a long sync's check run. */
export function pushArgs(url: string, changes: RefChange[], { progress = false }: { progress?: boolean } = {}): string[] {
  const leases = changes.flatMap((c) => [`--force-with-lease=${c.ref}:${c.oldSha ?? ""}`, ...(c.backupRef ? [`--force-with-lease=${c.backupRef}:`] : [])]);
  const refspecs = changes.flatMap((c) => {
    // Never a `+`: a forced refspec is pushed whatever the lease says (git 2.39 checked: it
    // overwrote a commit pushed after the listing). The lease alone lets a forced update through,
    // and only while the ref is still at the planned value.
    const update = c.newSha === null ? `:${c.ref}` : `${c.newSha}:${c.ref}`;
    // The replaced tip, kept beside it in the same atomic push: both land or neither does.
    return c.backupRef && c.oldSha ? [update, `${c.oldSha}:${c.backupRef}`] : [update];
  });
  return ["push", "--atomic", "--porcelain", "--no-verify", ...(progress ? ["--progress"] : []), ...leases, url, ...refspecs];
}

export async function pushChanges(git: SimpleGit, url: string, changes: RefChange[], remote: RemoteName = "GitLab", options: { progress?: boolean } = {}): Promise<void> {
  for (const batch of batches(changes)) await pushBatch(git, url, batch, remote, options);
}

async function pushBatch(git: SimpleGit, url: string, changes: RefChange[], remote: RemoteName, options: { progress?: boolean }): Promise<void> {
  let output: string;
  try {
    output = await git.raw(pushArgs(url, changes, options));
  } catch (error) {
    throw classifyGitError(error, { operation: "push", remote, refs: culprits(error, changes) });
  }
  const statuses = parsePushPorcelain(output);
  const unconfirmed = changes.flatMap((c) => [c.ref, ...(c.backupRef ? [c.backupRef] : [])]).filter((ref) => !statuses.get(ref)?.ok);
  if (unconfirmed.length > 0) {
    throw new MirrorError("git_failed", `git push did not confirm ${unconfirmed.length} ref(s): ${unconfirmed.slice(0, 3).join(", ")}`, {
      advice: "Re-run the check; the next sync compares both sides again.",
    });
  }
}

/** The refs the server actually objected to; the others only fell with the atomic transaction. */
function culprits(error: unknown, changes: RefChange[]): string[] {
  const statuses = parsePushPorcelain(error instanceof Error ? error.message : "");
  const rejected = [...statuses.values()].filter((s) => !s.ok);
  const blamed = rejected.filter((s) => !/atomic (push|transaction) fail/.test(s.summary));
  return (blamed.length > 0 ? blamed : rejected).map((s) => s.ref).filter((ref) => changes.some((c) => c.ref === ref));
}

export function* batches(changes: RefChange[]): Generator<RefChange[]> {
  let batch: RefChange[] = [];
  let bytes = 0;
  for (const change of changes) {
    // lease + refspec, each with an object id; a backup (same batch, so it lands with its update) as much again
    const size = 2 * (change.ref.length + 90) + (change.backupRef ? 2 * (change.backupRef.length + 90) : 0);
    if (batch.length > 0 && bytes + size > MAX_ARGV_BYTES) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(change);
    bytes += size;
  }
  if (batch.length > 0) yield batch;
}
