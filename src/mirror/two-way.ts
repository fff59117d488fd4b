/**
 * Two-way mirroring's memory: for each ref, the commit both sides last agreed on. Without it a
 * branch deleted on one side cannot be told from a branch created on the other, and a deletion
 * would be undone by resurrecting the branch. Both halves of a `both` sync (GitHub → GitLab and
 * GitLab → GitHub) read and update the same file; jobs of one repository never overlap, so it
 * needs no lock. Losing the file is safe: refs missing on one side are then re-created, never
 * deleted (nothing is lost), and the next sync records agreement again.
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { isSafeRefName } from "./ref-names.js";
import type { RefChange, RefMap } from "./types.js";

const VERSION = 1;

export async function loadSyncedRefs(statePath: string): Promise<RefMap> {
  let text: string;
  try {
    text = await readFile(statePath, "utf8");
  } catch {
    return new Map();
  }
  try {
    const data = JSON.parse(text) as { version?: number; refs?: Record<string, unknown> };
    if (data.version !== VERSION || typeof data.refs !== "object" || data.refs === null) return new Map();
    return new Map(Object.entries(data.refs).filter((e): e is [string, string] => typeof e[1] === "string" && /^[0-9a-f]{40,64}$/.test(e[1])));
  } catch {
    return new Map(); // a torn or foreign file is treated as "no agreement known": safe
  }
}

/** Written to a temporary file and renamed, so a crash never leaves half a file. */
export async function saveSyncedRefs(statePath: string, refs: RefMap): Promise<void> {
  await mkdir(path.dirname(statePath), { recursive: true });
  const tmp = `${statePath}.${process.pid}.tmp`;
  const sorted = Object.fromEntries([...refs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  await writeFile(tmp, `${JSON.stringify({ version: VERSION, refs: sorted }, null, 1)}\n`);
  await rename(tmp, statePath);
}

/**
 * PURE: the agreement after a sync. A ref both sides now hold at the same commit is recorded; a
 * ref neither side has is forgotten; a ref the sides still disagree on keeps its old agreement
 * (so the next sync can still tell which side moved). Refs the filter excludes are forgotten.
 */
export function nextSyncedRefs(input: { synced: RefMap; source: RefMap; target: RefMap; changes: RefChange[]; includeRef: (ref: string) => boolean }): RefMap {
  const after = new Map(input.target);
  for (const change of input.changes) {
    if (change.newSha === null) after.delete(change.ref);
    else after.set(change.ref, change.newSha);
  }
  const next: RefMap = new Map();
  const names = new Set([...input.synced.keys(), ...input.source.keys(), ...after.keys()]);
  for (const ref of names) {
    if (!isSafeRefName(ref) || !input.includeRef(ref)) continue;
    const here = input.source.get(ref);
    const there = after.get(ref);
    if (here !== undefined && here === there) next.set(ref, here);
    else if (here === undefined && there === undefined) continue;
    else if (input.synced.has(ref)) next.set(ref, input.synced.get(ref)!);
  }
  return next;
}
