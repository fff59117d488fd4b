/**
 * Which refs a mirror carries. The only code in config/ that imports picomatch, so validation
 * (schema.ts) and matching use the same glob dialect and options.
 */
import picomatch from "picomatch";
import type { MirrorConfig } from "./schema.js";

/** `dot`: branch names may start with "." segments; `strictBrackets`: "re[lease" is an error, not a literal. */
export const GLOB_OPTIONS = { dot: true, strictBrackets: true } as const;

// Characters git forbids in ref names (git check-ref-format); a glob containing one can never match.
const FORBIDDEN: [RegExp, string][] = [
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this rejects
  [/[\x00-\x1f\x7f]/, "control characters"],
  [/ /, "spaces"],
  [/[~^:\\]/, '"~", "^", ":" or "\\"'],
  [/\.\./, '".."'],
  [/@\{/, '"@{"'],
];

/** Why `glob` is not a usable branch/tag pattern, or undefined when it is fine. */
export function globProblem(glob: string): string | undefined {
  if (glob === "") return "it is empty";
  for (const [pattern, what] of FORBIDDEN) {
    if (pattern.test(glob)) return `branch and tag names cannot contain ${what}`;
  }
  try {
    // picomatch swallows regex construction errors and returns /$^/ (matches nothing).
    if (picomatch.makeRe(glob, GLOB_OPTIONS).source === "$^") return "it can never match";
  } catch (error) {
    // e.g. 'Missing closing: "]" - use "\\]" to match literal characters' → 'missing closing "]"'
    const text = error instanceof Error ? error.message.split(" - ")[0] : "";
    return text ? text.charAt(0).toLowerCase() + text.slice(1).replace(":", "") : "picomatch cannot compile it";
  }
  return undefined;
}

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
