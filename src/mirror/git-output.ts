/** PURE parsers for the machine-readable output of the git commands the engine runs. */
import type { AdvertisedRefs, RefMap } from "./types.js";

const OBJECT_ID = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/; // SHA-1 or SHA-256

/** `git ls-remote` output: `<oid>\t<ref>`, with `<ref>^{}` lines for what annotated tags point at. */
export function parseLsRemote(output: string): AdvertisedRefs {
  const refs: RefMap = new Map();
  const peeled: RefMap = new Map();
  for (const [ref, oid] of refLines(output)) {
    if (ref.endsWith("^{}")) peeled.set(ref.slice(0, -3), oid);
    else refs.set(ref, oid);
  }
  return { refs, peeled };
}

/** `git for-each-ref --format='%(objectname) %(refname)'`. */
export function parseForEachRef(output: string): RefMap {
  return new Map(refLines(output));
}

/** Yields [ref, oid] from lines of `<oid><tab or space><ref>`. */
function* refLines(output: string): Generator<[string, string]> {
  for (const line of output.split("\n")) {
    const match = /^(\S+)[\t ](\S+)$/.exec(line.trim());
    if (match && OBJECT_ID.test(match[1]!)) yield [match[2]!, match[1]!];
  }
}

export type PushStatus = { ref: string; ok: boolean; summary: string };

/**
 * `git push --porcelain`: `<flag>\t<from>:<to>\t<summary>` per ref, where flag `!` is a
 * rejection. Works on stdout alone or on stdout and stderr mixed (simple-git's error text).
 */
export function parsePushPorcelain(output: string): Map<string, PushStatus> {
  const statuses = new Map<string, PushStatus>();
  for (const line of output.split("\n")) {
    const match = /^([ +\-*=!])\t([^\t]*):([^\t]+)\t(.*)$/.exec(line);
    if (!match) continue;
    const [, flag, , ref, summary] = match;
    statuses.set(ref!, { ref: ref!, ok: flag !== "!", summary: summary!.trim() });
  }
  return statuses;
}
