/** Which refs a mirror carries, with the glob dialect validation checks (ref-globs.ts). */
import picomatch from "picomatch";
import { GLOB_OPTIONS } from "./ref-globs.js";
import type { MirrorConfig } from "./schema.js";

const BRANCH = "refs/heads/";
const TAG = "refs/tags/";

/**
 * A predicate over full ref names. Every namespace other than heads and tags (pull,
 * merge-requests, keep-around, notes…) is refused: those are host-specific and never mirrored.
 */
export function createRefFilter(config: Pick<MirrorConfig, "branches" | "tags">): (fullRef: string) => boolean {
  const branch = config.branches === null ? () => true : anyOf(config.branches);
  const tag = config.tags === true ? () => true : config.tags === false ? () => false : anyOf(config.tags);
  return (fullRef) => {
    if (fullRef.startsWith(BRANCH) && fullRef.length > BRANCH.length) return branch(fullRef.slice(BRANCH.length));
    if (fullRef.startsWith(TAG) && fullRef.length > TAG.length) return tag(fullRef.slice(TAG.length));
    return false;
  };
}

function anyOf(globs: string[]): (name: string) => boolean {
  if (globs.length === 0) return () => false;
  return picomatch(globs, GLOB_OPTIONS);
}
