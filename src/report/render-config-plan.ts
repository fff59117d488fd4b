/**
 * PURE: the "Mirror config (.mirror.yml)" check run of a valid file, as the plan of what merging
 * it would do: per mirror, the GitLab project it resolves to, the access policy, the token, and
 * the branches and tags each direction would create, move, delete or refuse (the first 50 names
 * of each). Conclusion: `failure` when a mirror could not run at all, `neutral` when merging would
 * delete or overwrite something (or might: decided at sync time) or the plan could not be made,
 * else `success`.
 */
import type { Conclusion, CheckRunOutput } from "../github/check-runs.js";
import { checksOn, type MirrorConfig } from "../config/schema.js";
import type { MirrorPreview } from "../mirror/preview-mirror.js";
import type { PreviewEntry, PreviewGroup } from "../mirror/preview-ref-updates.js";
import { plural, shortRef } from "./format.js";

export const NAMES_SHOWN = 50;
export const REPOS_PLANNED = 20;

export type ProjectState =
  | { kind: "exists"; pathWithNamespace: string; webUrl: string; visibility: string }
  | { kind: "would-create"; path: string; visibility: string }
  /** Not found, and `create: true` is not set (or cannot be honoured). */
  | { kind: "missing"; message: string; advice?: string }
  /** GitLab could not be asked (unreachable, token rejected): the rest of the plan is unknown. */
  | { kind: "unknown"; message: string };

export type Verdict = { ok: true } | { ok: false; message: string; advice?: string };

export interface HalfPlan {
  /** The side written to: push → GitLab, pull → GitHub. */
  target: "GitLab" | "GitHub";
  preview?: MirrorPreview;
  /** Listing a side failed: what the user should know. */
  error?: string;
}

export interface MirrorPlan {
  mirror: Pick<MirrorConfig, "gitlab" | "direction" | "prune" | "force" | "checks">;
  project: ProjectState;
  /** The operator's access policy; absent when the project is unknown. */
  policy?: Verdict;
  /** Whether mirror-bot's GitLab token can write (push and both) or read (pull) the project. */
  token?: Verdict;
  halves: HalfPlan[];
}

export interface RepoPlan {
  /** owner/name */
  repo: string;
  mirrors: MirrorPlan[];
}

export interface PlanInput {
  repos: RepoPlan[];
  /** Org-wide template: the owner, and how many more repositories it applies to than planned. */
  template?: TemplatePlan;
  /** How many mirrors the file declares. */
  mirrorCount: number;
}

export interface TemplatePlan {
  owner: string;
  /** Repositories it applies to beyond the first REPOS_PLANNED (not planned). */
  moreRepos: number;
  /** Its mirrors as written, placeholders kept, one line each. */
  mirrors: string[];
}

export interface RenderedPlan {
  conclusion: Conclusion;
  output: CheckRunOutput;
}

const GROUP_HEADINGS: Record<PreviewGroup, string> = {
  create: "Created",
  "fast-forward": "Fast-forwarded",
  overwrite: "Overwritten (not a fast-forward; the replaced tip is backed up where backups are on)",
  delete: "Deleted",
  refuse: "Refused",
  "undecided-update": "Fast-forwarded, or refused if diverged: decided at sync time (mirror-bot has not fetched both histories yet)",
  "undecided-delete": "Deleted, or refused if it holds commits the source lacks: decided at sync time",
  defer: "Left for the other direction (changed on the target side only)",
};
const GROUP_ORDER: PreviewGroup[] = ["delete", "overwrite", "undecided-delete", "undecided-update", "refuse", "create", "fast-forward", "defer"];

/** Something that stops a mirror outright, in words: project missing, policy, token. */
function blocker(plan: MirrorPlan): string | undefined {
  if (plan.project.kind === "missing") return plan.project.message;
  if (plan.policy && !plan.policy.ok) return plan.policy.message;
  if (plan.token && !plan.token.ok) return plan.token.message;
  return undefined;
}

/** What could not be worked out (GitLab or git unreachable). */
function unknownPart(plan: MirrorPlan): string | undefined {
  if (plan.project.kind === "unknown") return plan.project.message;
  return plan.halves.find((h) => h.error)?.error;
}

type Tally = Map<string, number>; // `${target} ${group} ${kind}` → count

function tally(repos: RepoPlan[]): Tally {
  const counts: Tally = new Map();
  for (const repo of repos) {
    for (const plan of repo.mirrors) {
      if (blocker(plan)) continue; // nothing happens through a blocked mirror
      for (const half of plan.halves) {
        for (const entry of half.preview?.entries ?? []) {
          const key = `${half.target} ${entry.group} ${kindOf(entry.ref)}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
      }
    }
  }
  return counts;
}

const nouns = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
const kindOf = (ref: string) => (ref.startsWith("refs/tags/") ? "tag" : "branch");

/** "deletes 40 branches and 2 tags" for one verb; empty when none. */
function verbPhrase(counts: Tally, target: string, groups: PreviewGroup[], verb: string): string | undefined {
  const parts = (["branch", "tag"] as const)
    .map((kind) => [kind, groups.reduce((n, g) => n + (counts.get(`${target} ${g} ${kind}`) ?? 0), 0)] as const)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => (kind === "branch" ? nouns(n, "branch", "branches") : plural(n, "tag")));
  return parts.length ? `${verb} ${parts.join(" and ")}` : undefined;
}

function sentence(counts: Tally, verbs: Array<[PreviewGroup[], string]>): string | undefined {
  const sides = (["GitLab", "GitHub"] as const)
    .map((target) => {
      const phrases = verbs.map(([groups, verb]) => verbPhrase(counts, target, groups, verb)).filter((p): p is string => p !== undefined);
      return phrases.length ? `${joinAnd(phrases)} on ${target}` : undefined;
    })
    .filter((s): s is string => s !== undefined);
  return sides.length ? sides.join(", and ") : undefined;
}

const joinAnd = (parts: string[]) => (parts.length <= 1 ? parts.join("") : `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`);

export function renderConfigPlan(input: PlanInput): RenderedPlan {
  const { repos, template } = input;
  const counts = tally(repos);
  const blocked = repos.flatMap((r) => r.mirrors.map((m) => ({ repo: r.repo, why: blocker(m) }))).filter((b) => b.why);
  const unknown = repos.flatMap((r) => r.mirrors.map((m) => unknownPart(m))).filter((u): u is string => u !== undefined);
  const destroys = sentence(counts, [
    [["delete"], "deletes"],
    [["overwrite"], "overwrites"],
  ]);
  const mayDestroy = sentence(counts, [
    [["undecided-delete"], "may delete"],
    [["undecided-update"], "may overwrite"],
  ]);
  const routine = sentence(counts, [
    [["create"], "creates"],
    [["fast-forward"], "fast-forwards"],
  ]);
  const where = template ? ` for ${nouns(repos.length + template.moreRepos, "repository", "repositories")}` : "";

  let conclusion: Conclusion;
  let title: string;
  if (blocked.length > 0) {
    conclusion = "failure";
    const first = blocked[0]!;
    const more = blocked.length > 1 ? ` (and ${blocked.length - 1} more)` : "";
    title = `Merging this cannot mirror${template ? ` ${first.repo}` : ""}: ${first.why}${more}`;
  } else if (destroys) {
    conclusion = "neutral";
    title = `Merging this ${destroys}${where}${mayDestroy ? ` (and ${mayDestroy}: decided at sync time)` : ""}`;
  } else if (mayDestroy) {
    conclusion = "neutral";
    title = `Merging this ${mayDestroy}${where}: decided at sync time`;
  } else if (unknown.length > 0) {
    conclusion = "neutral";
    title = `.mirror.yml is valid, but its plan could not be worked out: ${unknown[0]}`;
  } else {
    conclusion = "success";
    title = template
      ? validTemplateTitle(template.owner, input.mirrorCount)
      : input.mirrorCount === 0
        ? ".mirror.yml is valid: mirroring is off (mirrors: [])"
        : `.mirror.yml is valid: merging this ${routine ?? "changes no branch or tag"}${routine ? "" : " on GitLab"}`;
  }
  return { conclusion, output: { title, summary: summary(input), text: details(repos) } };
}

export function validTemplateTitle(owner: string, count: number): string {
  const covered = `each repository of ${owner} without its own .mirror.yml`;
  return count === 0
    ? `.mirror.yml is a valid org-wide template: mirroring is off for ${covered} (mirrors: [])`
    : `.mirror.yml is a valid org-wide template: ${plural(count, "mirror")} for ${covered}`;
}

function summary({ repos, template }: PlanInput): string {
  const lines: string[] = [
    "This is what merging this file would do, worked out without changing anything: " + "both sides were listed, and history was read from mirror-bot's cache where it has one.",
  ];
  if (template) {
    const total = repos.length + template.moreRepos;
    lines.push(
      "",
      `The template's mirrors, with \`{repo}\` and \`{owner}\` filled in with each repository's names (the ${".github"} repository itself is not mirrored by it):`,
      "",
      ...(template.mirrors.length ? template.mirrors.map((m) => `- ${m}`) : ["- nothing (mirrors: [])"]),
      "",
      total === 0
        ? `No repository of ${template.owner} uses it yet: each one without its own .mirror.yml will, with \`{repo}\` and \`{owner}\` filled in.`
        : `It applies to ${nouns(total, "repository", "repositories")} of ${template.owner} without their own .mirror.yml` +
            (template.moreRepos > 0 ? `; the first ${repos.length} are planned here, ${template.moreRepos} more are not.` : "."),
    );
  }
  for (const repo of repos) {
    if (template) lines.push("", `### ${repo.repo}`);
    if (repo.mirrors.length === 0) lines.push("", "- nothing (no mirrors)");
    for (const plan of repo.mirrors) lines.push("", ...mirrorSummary(plan));
  }
  return lines.join("\n");
}

function mirrorSummary(plan: MirrorPlan): string[] {
  const { mirror, project } = plan;
  const arrow = mirror.direction === "push" ? "GitHub → GitLab" : mirror.direction === "pull" ? "GitLab → GitHub" : "GitHub ↔ GitLab";
  const lines = [`**\`${mirror.gitlab}\`** (${mirror.direction}: ${arrow}; prune ${mirror.prune}, force ${mirror.force}, GitHub checks on GitLab ${checksOn(mirror)})`];
  lines.push(`- Project: ${projectWords(project)}`);
  if (plan.policy) lines.push(`- Access policy: ${plan.policy.ok ? "allowed" : `❌ ${plan.policy.message}.${plan.policy.advice ? ` ${plan.policy.advice}` : ""}`}`);
  if (plan.token)
    lines.push(
      `- GitLab token: ${plan.token.ok ? (mirror.direction === "pull" ? "can read the project" : "can push") : `❌ ${plan.token.message}.${plan.token.advice ? ` ${plan.token.advice}` : ""}`}`,
    );
  if (blocker(plan)) {
    lines.push("- Branches and tags: nothing would be mirrored until this is fixed.");
    return lines;
  }
  for (const half of plan.halves) lines.push(`- On ${half.target}: ${halfCounts(half)}`);
  return lines;
}

function projectWords(project: ProjectState): string {
  switch (project.kind) {
    case "exists":
      return `[${project.pathWithNamespace}](${project.webUrl}) exists (${project.visibility})`;
    case "would-create":
      return `${project.path} does not exist yet: mirror-bot creates it (${project.visibility}${project.visibility === "public" ? ", as the GitHub repository is" : ""}) on the first sync (\`create: true\`)`;
    case "missing":
      return `❌ ${project.message}.${project.advice ? ` ${project.advice}` : ""}`;
    case "unknown":
      return `⚠️ could not be looked up: ${project.message}`;
  }
}

const COUNT_WORDS: Record<PreviewGroup, string> = {
  create: "to create",
  "fast-forward": "to fast-forward",
  overwrite: "to overwrite",
  delete: "to delete",
  refuse: "refused",
  "undecided-update": "to fast-forward or refuse (decided at sync time)",
  "undecided-delete": "to delete or refuse (decided at sync time)",
  defer: "left for the other direction",
};

function halfCounts(half: HalfPlan): string {
  if (half.error) return `⚠️ not worked out: ${half.error}`;
  const preview = half.preview!;
  const parts = GROUP_ORDER.map((g) => [g, preview.entries.filter((e) => e.group === g).length] as const)
    .filter(([, n]) => n > 0)
    .map(([g, n]) => `${n} ${COUNT_WORDS[g]}`);
  parts.push(`${preview.unchangedCount} unchanged`);
  return parts.join(", ");
}

function details(repos: RepoPlan[]): string {
  const sections: string[] = [];
  for (const repo of repos) {
    for (const plan of repo.mirrors) {
      if (blocker(plan)) continue;
      for (const half of plan.halves) {
        const entries = half.preview?.entries ?? [];
        if (entries.length === 0) continue;
        const heading = `### ${repos.length > 1 ? `${repo.repo} → ` : ""}\`${plan.mirror.gitlab}\`: on ${half.target}`;
        sections.push(heading, "", ...groupLists(entries), ...(half.preview!.historyFromCache ? [] : [NO_HISTORY]), "");
      }
    }
  }
  return sections.length ? sections.join("\n").trimEnd() : "Nothing to change: every mirrored branch and tag is already the same on both sides.";
}

const NO_HISTORY = "_mirror-bot has no copy of this repository's history yet, so whether a changed branch fast-forwards is decided at sync time._";

/** Per group: its count and the first NAMES_SHOWN names, with the reason where there is one. */
export function groupLists(entries: PreviewEntry[]): string[] {
  const lines: string[] = [];
  for (const group of GROUP_ORDER) {
    const inGroup = entries.filter((e) => e.group === group);
    if (inGroup.length === 0) continue;
    const shown = inGroup.slice(0, NAMES_SHOWN).map((e) => `- ${kindOf(e.ref)} \`${shortRef(e.ref)}\`${e.why ? `: ${e.why}` : ""}`);
    const rest = inGroup.length - shown.length;
    lines.push(`**${GROUP_HEADINGS[group]}: ${inGroup.length}**`, ...shown, ...(rest > 0 ? [`- … and ${rest} more`] : []), "");
  }
  return lines;
}
