/**
 * A mirror's memory: for each ref, the commit both sides last agreed on. A target tip still at
 * that commit holds nothing the source lacks, so it may follow the source's rewrite or deletion;
 * in two-way mode it also tells a branch deleted on one side from one created on the other. Both
 * halves of a `both` sync read and update the same record; jobs of one repository never overlap,
 * so it needs no lock. Losing it is safe: without it nothing is overwritten or deleted unless a
 * push event's `before` vouches for it, and the next sync records agreement again.
 *
 * Kept as a JSON file beside the caches (this module), or in Redis when replicas share the work
 * (src/records/).
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { isSafeRefName } from "./ref-names.js";
import type { AgreedRefs, RefChange, RefMap } from "./types.js";

const VERSION = 1;

/** PURE: the stored form of a record (a file's content, or a Redis value). */
export function encodeAgreedRefs(refs: RefMap): string {
  const sorted = Object.fromEntries([...refs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return `${JSON.stringify({ version: VERSION, refs: sorted }, null, 1)}\n`;
}

/** PURE: a stored record; anything torn or foreign reads as "no agreement known", which is safe. */
export function decodeAgreedRefs(text: string | null | undefined): RefMap {
  if (!text) return new Map();
  try {
    const data = JSON.parse(text) as { version?: number; refs?: Record<string, unknown> };
    if (data.version !== VERSION || typeof data.refs !== "object" || data.refs === null) return new Map();
    return new Map(Object.entries(data.refs).filter((e): e is [string, string] => typeof e[1] === "string" && /^[0-9a-f]{40,64}$/.test(e[1])));
  } catch {
    return new Map(); // not an error: a damaged record counts as no agreement, by design (agreed-refs.test.ts)
  }
}

/** The record kept as a JSON file (one per mirror, beside the caches). */
export function agreedRefsFile(statePath: string): AgreedRefs {
  return {
    // No file yet is the answer "nothing agreed"; any other failure is the sync's to report (mirror-refs.ts).
    load: () =>
      readFile(statePath, "utf8").then(decodeAgreedRefs, (error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT") return new Map();
        throw error;
      }),
    // Written to a temporary file and renamed, so a crash never leaves half a file.
    async save(refs) {
      await mkdir(path.dirname(statePath), { recursive: true });
      const tmp = `${statePath}.${process.pid}.tmp`;
      await writeFile(tmp, encodeAgreedRefs(refs));
      await rename(tmp, statePath);
    },
  };
}

/**
 * PURE: the agreement after a sync. A ref both sides now hold at the same commit is recorded; a
 * ref neither side has is forgotten; a ref the sides still disagree on keeps its old agreement
 * (so the next sync can still tell which side moved). Refs the filter excludes are forgotten.
 */
export function nextAgreedRefs(input: { agreed: RefMap; source: RefMap; target: RefMap; changes: RefChange[]; includeRef: (ref: string) => boolean }): RefMap {
  const after = refsAfter(input.target, input.changes);
  const next: RefMap = new Map();
  const names = new Set([...input.agreed.keys(), ...input.source.keys(), ...after.keys()]);
  for (const ref of names) {
    if (!isSafeRefName(ref) || !input.includeRef(ref)) continue;
    const here = input.source.get(ref);
    const there = after.get(ref);
    if (here !== undefined && here === there) next.set(ref, here);
    else if (here === undefined && there === undefined) continue;
    else if (input.agreed.has(ref)) next.set(ref, input.agreed.get(ref)!);
  }
  return next;
}

/** PURE: a side's refs once `changes` are pushed to it. */
export function refsAfter(refs: RefMap, changes: RefChange[]): RefMap {
  const after = new Map(refs);
  for (const change of changes) {
    if (change.newSha === null) after.delete(change.ref);
    else after.set(change.ref, change.newSha);
  }
  return after;
}
