/**
 * The glob dialect of `branches:` and `tags:`. The only code in config/ that knows picomatch's
 * options, so validation (schema.ts) and matching (match-refs.ts) agree.
 */
import picomatch from "picomatch";

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
