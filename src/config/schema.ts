/**
 * `.mirror.yml`: one zod schema (defaults live here) and the wording of every validation message.
 * Messages are read in a check run annotation next to the offending line, so each names the
 * field, says what is allowed and shows what was found.
 */
import { z } from "zod";
import { globProblem } from "./ref-globs.js";

const DIRECTIONS = ["push", "pull", "both"] as const;
const NOTIFY = ["issue", "none"] as const;

/** Worded in fallbackMessage: the message names the index (`branches[1]`), which only the path knows. */
const glob = z.string().superRefine((value, ctx) => {
  const reason = globProblem(value);
  if (reason) ctx.addIssue({ code: "custom", input: value, params: { globProblem: reason } });
});

const globList = (field: string) =>
  z.array(glob, {
    error: (iss) => (iss.input === undefined ? undefined : `${field} must be a list of glob patterns (got ${summarize(iss.input)})`),
  });

const gitlab = z
  .union([z.string(), z.number()], {
    // undefined falls through to fallbackMessage ("missing required key")
    error: (iss) => (iss.input === undefined ? undefined : `gitlab must be a project path like "group/project" or a numeric project id (got ${summarize(iss.input)})`),
  })
  .superRefine((value, ctx) => {
    const reason = typeof value === "number" ? projectIdProblem(value) : projectPathProblem(value);
    if (reason) ctx.addIssue({ code: "custom", message: reason });
  });

const url = z.string().superRefine((value, ctx) => {
  const reason = urlProblem(value);
  if (reason) ctx.addIssue({ code: "custom", message: reason });
});

export const MirrorConfigSchema = z
  .object({
    gitlab,
    url: url.optional(), // absent: the app's default GitLab instance
    direction: z.enum(DIRECTIONS).default("push"),
    branches: globList("branches").nullable().default(null), // null: every branch
    tags: z
      .union([z.boolean(), globList("tags")], {
        error: (iss) =>
          Array.isArray(iss.input)
            ? "tags must be a list of glob patterns (text; quote entries that look like numbers)"
            : `tags must be true, false or a list of glob patterns (got ${summarize(iss.input)})`,
      })
      .default(true),
    prune: z.boolean().default(true),
    force: z.boolean().default(false),
    /** Keep what a rewrite or deletion replaces as refs/mirror-backup/*; unset: on unless the target is public. */
    backups: z.boolean().optional(),
    notify: z.enum(NOTIFY).default("issue"),
    /** Create the GitLab project (in the named namespace, never more visible than GitHub's) when it is missing. */
    create: z.boolean().default(false),
    /** Report the GitLab project's pipelines as check runs on the GitHub commit; unset: on for push and both. */
    pipelines: z.boolean().optional(),
    /** GitHub check runs and commit statuses as `github/<name>` GitLab commit statuses; unset: on for pull and both (checksOn). */
    checks: z.boolean().optional(),
    /** Copy the Git LFS objects the pushed commits point to (docs/lfs.md); false: pointers only. */
    lfs: z.boolean().default(true),
  })
  .strict();

/** Whether a mirror reports GitLab pipelines on GitHub (`pipelines:`, by default on for push and both). */
export function pipelinesOn(mirror: Pick<MirrorConfig, "pipelines" | "direction">): boolean {
  return mirror.pipelines ?? mirror.direction !== "pull";
}

export const MirrorFileSchema = z
  .object({ mirrors: z.array(MirrorConfigSchema) })
  .strict()
  .superRefine((file, ctx) => {
    // zod still runs this when a mirror has non-aborting issues (unknown key, bad glob), so `file`
    // may be partly invalid: mirrorIdentity reads it defensively.
    if (!Array.isArray(file.mirrors)) return;
    const seen = new Map<string, number>();
    file.mirrors.forEach((mirror, i) => {
      const key = mirrorIdentity(mirror);
      if (key === undefined) return;
      const first = seen.get(key);
      if (first === undefined) return void seen.set(key, i);
      const where = mirror.url ? ` on ${mirror.url}` : "";
      ctx.addIssue({
        code: "custom",
        path: ["mirrors", i, "gitlab"],
        message: `duplicate mirror: mirrors[${first}] already mirrors to ${show(String(mirror.gitlab))}${where}`,
      });
    });
  });

export type MirrorFile = z.output<typeof MirrorFileSchema>;
export type MirrorConfig = z.output<typeof MirrorConfigSchema>;

/** Whether a mirror shows GitHub's checks on GitLab: `checks:`, else on for pull and both (GitLab's CI runs for push mirrors). */
export function checksOn(mirror: Pick<MirrorConfig, "checks" | "direction">): boolean {
  return mirror.checks ?? mirror.direction !== "push";
}

/** A failure before it is placed in the file; `target`: point at the key itself or at its value. */
export type SchemaIssue = { path: (string | number)[]; message: string; target: "key" | "value" };

export type ValidationResult = { ok: true; config: MirrorFile } | { ok: false; issues: SchemaIssue[] };

export function validateMirrorFile(data: unknown): ValidationResult {
  const result = MirrorFileSchema.safeParse(data, { error: fallbackMessage });
  if (result.success) return { ok: true, config: result.data };
  return { ok: false, issues: result.error.issues.flatMap(toSchemaIssues) };
}

/** `.strict()` reports all unknown keys of one mapping at once; users need one message per key. */
function toSchemaIssues(issue: z.core.$ZodIssue): SchemaIssue[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
  if (issue.code !== "unrecognized_keys") return [{ path, message: issue.message, target: "value" }];
  const known = Object.keys(path.length === 0 ? MirrorFileSchema.shape : MirrorConfigSchema.shape);
  return issue.keys.map((key) => ({ path: [...path, key], message: unknownKeyMessage(key, known), target: "key" }));
}

export function unknownKeyMessage(key: string, known: string[]): string {
  // Close enough to be a typo, but not so loose that "pull" suggests "url".
  const guess = known.find((k) => {
    const d = editDistance(k, key.toLowerCase());
    return d <= 2 && d * 2 < key.length;
  });
  const hint = guess ? ` (did you mean "${guess}"?)` : ` (allowed: ${known.join(", ")})`;
  return `unknown key ${show(key)}${hint}`;
}

/** Messages for the issues no schema above words itself: missing keys, wrong types, enums, globs. */
function fallbackMessage(iss: z.core.$ZodRawIssue): string | undefined {
  const path = (iss.path ?? []).filter((p): p is string | number => typeof p !== "symbol");
  const label = labelOf(path);
  if (iss.input === undefined && path.length > 0) {
    return `missing required key "${path[path.length - 1]}"${REQUIRED_HINT[label] ?? ""}`;
  }
  if (iss.code === "custom" && typeof iss.params?.globProblem === "string") {
    return `${label}: ${show(String(iss.input))} is not a valid glob pattern (${iss.params.globProblem})`;
  }
  if (iss.code === "invalid_value") {
    return `${label} must be one of ${iss.values.map(String).join(", ")} (got ${summarize(iss.input)})`;
  }
  if (iss.code !== "invalid_type") return undefined;
  const hint = iss.expected === "string" && typeof iss.input !== "object" ? "; put it in quotes" : "";
  return `${label} must be ${EXPECTED[iss.expected] ?? iss.expected} (got ${summarize(iss.input)}${hint})`;
}

const EXPECTED: Record<string, string> = {
  string: "text",
  number: "a number",
  boolean: "true or false",
  array: "a list",
  object: "a mapping of keys to values",
};
const REQUIRED_HINT: Record<string, string> = {
  mirrors: ': list your mirrors under "mirrors:", or write "mirrors: []" to opt out',
  gitlab: ': the GitLab project path (like "group/project") or numeric id to mirror to',
};

/** `["mirrors", 0, "branches", 1]` → `branches[1]`: the annotation already points at the mirror. */
function labelOf(path: (string | number)[]): string {
  const rest = path[0] === "mirrors" && typeof path[1] === "number" && path.length > 2 ? path.slice(2) : path;
  if (rest.length === 0) return "the file";
  return rest.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

function projectPathProblem(path: string): string | undefined {
  const bad = (why: string) => `gitlab: ${show(path)} is not a valid project path (${why})`;
  if (path === "") return "gitlab must not be empty";
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
    return bad('put the instance in "url" and only "group/project" in "gitlab"');
  }
  if (path.startsWith("/") || path.endsWith("/")) return bad('it must not start or end with "/"');
  if (/\.git$/i.test(path)) return bad('drop the ".git" suffix');
  if (path.includes("..")) return bad('it must not contain ".."');
  const segments = path.split("/");
  if (segments.some((s) => s === "")) return bad('it must not contain "//"');
  if (segments.some((s) => !/^[A-Za-z0-9_.-]+$/.test(s))) return bad('use only letters, digits, "_", "-", "." and "/"');
  if (segments.length < 2) return bad('it needs a namespace and a project, like "group/project"');
  return undefined;
}

function projectIdProblem(id: number): string | undefined {
  if (Number.isSafeInteger(id) && id > 0) return undefined;
  return `gitlab must be a positive whole project id (got ${id})`;
}

function urlProblem(value: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return `url must be an http(s) URL like "https://gitlab.example.com" (got ${show(value)})`;
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    return `url must start with https:// or http:// (got ${show(parsed.protocol)})`;
  }
  if (parsed.username || parsed.password) {
    // Never echo the value: it holds a secret, and annotations are public.
    return "url must not contain credentials; mirror-bot uses its own token for each GitLab instance. " + "Remove them and revoke that token";
  }
  if (value.includes("?") || value.includes("#")) return "url must not contain a query string or fragment";
  return undefined;
}

/** Same project on the same instance (GitLab paths are case-insensitive); undefined while invalid. */
function mirrorIdentity(mirror: unknown): string | undefined {
  if (typeof mirror !== "object" || mirror === null) return undefined;
  const { gitlab, url } = mirror as { gitlab?: unknown; url?: unknown };
  if (typeof gitlab !== "string" && typeof gitlab !== "number") return undefined;
  if (url !== undefined && (typeof url !== "string" || urlProblem(url))) return undefined;
  const instance = url === undefined ? "" : new URL(url).href.replace(/\/+$/, "");
  return `${String(gitlab).toLowerCase()} ${instance}`;
}

function summarize(input: unknown): string {
  if (input === null || input === undefined) return "an empty value";
  if (Array.isArray(input)) return "a list";
  if (typeof input === "object") return "a mapping";
  return typeof input === "string" ? show(input) : String(input);
}

/** Quote user text for a message: credentials masked (annotations are public), cut so a huge
 * value cannot flood a check run. */
function show(text: string): string {
  const safe = text.replace(/\/\/[^/@\s]*@/g, "//***@");
  return JSON.stringify(safe.length > 80 ? `${safe.slice(0, 77)}...` : safe);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}
