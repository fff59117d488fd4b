/**
 * Which ref names may reach git's argv. Implements `git check-ref-format` in TypeScript (no
 * process per name) and narrows further: only branches and tags are ever mirrored, and nothing
 * that git could read as an option. A name that fails is skipped, never escaped.
 */
const MIRRORED_PREFIXES = ["refs/heads/", "refs/tags/"] as const;
const MAX_LENGTH = 1024; // far beyond real names; keeps argv and messages bounded

// Control characters, space, and the characters git reserves for revision syntax and globs.
// eslint-disable-next-line no-control-regex -- control characters are exactly what this rejects
const FORBIDDEN_CHARS = /[\x00-\x20\x7f~^:?*[\\]/;

export function isSafeRefName(ref: string): boolean {
  if (ref.length > MAX_LENGTH || ref.startsWith("-")) return false;
  const prefix = MIRRORED_PREFIXES.find((p) => ref.startsWith(p));
  if (!prefix) return false;
  const shortName = ref.slice(prefix.length);
  // git refuses to create a branch named HEAD or starting with "-"; neither is ours to invent.
  if (shortName === "" || shortName === "HEAD" || shortName.startsWith("-")) return false;
  return isValidGitRefFormat(ref);
}

/** The rules of `git check-ref-format` (without --allow-onelevel, --refspec-pattern or --normalize). */
export function isValidGitRefFormat(ref: string): boolean {
  if (ref === "@" || ref.includes("..") || ref.includes("@{") || FORBIDDEN_CHARS.test(ref)) return false;
  if (ref.endsWith(".") || ref.endsWith("/")) return false;
  const components = ref.split("/");
  if (components.length < 2) return false;
  return components.every((part) => part !== "" && !part.startsWith(".") && !part.endsWith(".lock"));
}
