/**
 * The cheap question reconciliation asks before any real work: do the two sides differ? One
 * `ls-remote` per side (run together), filtered to the refs the mirror covers: no clone, no fetch,
 * nothing written. Only when something differs does a full sync (mirror-refs.ts) run.
 */
import os from "node:os";
import type { SimpleGit } from "simple-git";
import { classifyGitError } from "./classify-git-error.js";
import { createGit } from "./git.js";
import { parseLsRemote } from "./git-output.js";
import { isSafeRefName } from "./ref-names.js";
import type { AdvertisedRefs, GitEndpoint, RefMap, RemoteName } from "./types.js";
import { BACKUP_NAMESPACE } from "./backups.js";

export interface CompareRequest {
  source: GitEndpoint;
  target: GitEndpoint;
  includeRef: (fullRef: string) => boolean;
  /** Refs only on the target count as a difference only when deletions are mirrored. */
  prune: boolean;
  timeoutMs: number;
  /** Sides whose backup refs are listed in the same `ls-remote` (reconciliation prunes them: no second listing). */
  listBackupsOn?: RemoteName[];
}

export interface RefDifference {
  ref: string;
  sourceSha: string | null;
  targetSha: string | null;
}

export interface RefComparison {
  source: RefMap;
  target: RefMap;
  differences: RefDifference[];
  /** Backup refs of the sides in `listBackupsOn`. */
  backups: Partial<Record<RemoteName, RefMap>>;
}

/** PURE: the refs a sync would have to look at (created, moved, or deleted when pruning). */
export function differingRefs(source: RefMap, target: RefMap, includeRef: (ref: string) => boolean, prune: boolean): RefDifference[] {
  const names = [...new Set([...source.keys(), ...target.keys()])].filter((ref) => isSafeRefName(ref) && includeRef(ref)).sort();
  const differences: RefDifference[] = [];
  for (const ref of names) {
    const sourceSha = source.get(ref) ?? null;
    const targetSha = target.get(ref) ?? null;
    if (sourceSha === targetSha) continue;
    if (sourceSha === null && !prune) continue;
    differences.push({ ref, sourceSha, targetSha });
  }
  return differences;
}

export async function compareRefs(req: CompareRequest): Promise<RefComparison> {
  // ls-remote needs no repository; the system temp directory is only a working directory.
  const git = createGit(os.tmpdir(), { timeoutMs: req.timeoutMs, credentials: [req.source, req.target] });
  const withBackups = (remote: RemoteName) => req.listBackupsOn?.includes(remote) ?? false;
  const [source, target] = await Promise.all([listRemote(git, req.source.url, "GitHub", withBackups("GitHub")), listRemote(git, req.target.url, "GitLab", withBackups("GitLab"))]);
  const backups: RefComparison["backups"] = {};
  if (withBackups("GitHub")) backups.GitHub = source.backups;
  if (withBackups("GitLab")) backups.GitLab = target.backups;
  return { source: source.refs, target: target.refs, differences: differingRefs(source.refs, target.refs, req.includeRef, req.prune), backups };
}

/** Branches and tags, and (asked for) the backup refs, which are then kept apart from them. */
async function listRemote(git: SimpleGit, url: string, remote: RemoteName, withBackups: boolean): Promise<{ refs: RefMap; backups: RefMap }> {
  const { refs } = await advertisedRefs(git, url, remote, withBackups ? ["refs/heads/*", "refs/tags/*", `${BACKUP_NAMESPACE}*`] : undefined);
  const backups: RefMap = new Map();
  for (const [ref, sha] of refs) {
    if (!ref.startsWith(BACKUP_NAMESPACE)) continue;
    backups.set(ref, sha);
    refs.delete(ref);
  }
  return { refs, backups };
}

/** `patterns` absent: branches and tags (`--heads --tags`); else the refs these ls-remote patterns match. */
async function advertisedRefs(git: SimpleGit, url: string, remote: RemoteName, patterns?: string[]): Promise<AdvertisedRefs> {
  try {
    return parseLsRemote(await git.raw(patterns ? ["ls-remote", url, ...patterns] : ["ls-remote", "--heads", "--tags", url]));
  } catch (error) {
    throw classifyGitError(error, { operation: "ls-remote", remote });
  }
}

/** One side's branches and tags (annotated tags peeled too), listed without a repository: nothing written. */
export async function listRefs(endpoint: GitEndpoint, remote: "GitHub" | "GitLab", timeoutMs: number): Promise<AdvertisedRefs> {
  return advertisedRefs(createGit(os.tmpdir(), { timeoutMs, credentials: [endpoint] }), endpoint.url, remote);
}

/**
 * Branch and tag tips in the cache, tags peeled to the commit they name: check runs can only be
 * put on commits. Read-only; refs the cache lacks are simply absent.
 */
export async function commitsOfRefs(cacheDir: string, timeoutMs: number): Promise<RefMap> {
  const git = createGit(cacheDir, { timeoutMs, credentials: [] });
  try {
    const output = await git.raw(["for-each-ref", "--format=%(objectname) %(*objectname) %(refname)", "refs/heads", "refs/tags"]);
    const commits: RefMap = new Map();
    for (const line of output.split("\n")) {
      const parts = line.trim().split(" ");
      if (parts.length === 3) commits.set(parts[2]!, parts[1] || parts[0]!);
      else if (parts.length === 2) commits.set(parts[1]!, parts[0]!);
    }
    return commits;
  } catch (error) {
    throw classifyGitError(error, { operation: "local" });
  }
}
