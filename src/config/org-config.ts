/**
 * Org-wide mirroring: `.mirror.yml` in the owner's `.github` repository applies to every
 * repository without a `.mirror.yml` of its own (a repository opts out with `mirrors: []`).
 * `{repo}` and `{owner}` in the file are replaced with the repository's names before it is
 * parsed, so `gitlab: acme-mirror/{repo}` names one project per repository and every problem is
 * still reported on the line it is on. The file is the template, not a config of the `.github`
 * repository: it is checked on its own with stand-ins for the names (`checkableTemplate`).
 */
import type { MirrorFile } from "./schema.js";

export const ORG_CONFIG_REPO = ".github";

/** PURE: the template filled in for one repository. Names are GitHub's ([A-Za-z0-9._-]), safe in YAML. */
export function expandTemplate(text: string, names: { owner: string; repo: string }): string {
  return text.replace(/\{(repo|owner)\}/g, (_, key: "repo" | "owner") => names[key]);
}

/** The `.github` repository holds the template; it is not mirrored by it. */
export function usesOrgConfig(repo: string): boolean {
  return repo.toLowerCase() !== ORG_CONFIG_REPO;
}

/**
 * Names that stand in for every repository when the template is checked on its own: valid in a
 * GitLab path and a GitHub name, and exactly as long as their placeholders, so every problem
 * keeps its line and column; `showPlaceholders` turns them back into `{repo}` and `{owner}`.
 */
const STAND_INS = { repo: "_repo_", owner: "_owner_" } as const;

/** PURE: the template with stand-ins, to parse and validate as a repository would read it. */
export function checkableTemplate(text: string): string {
  return expandTemplate(text, STAND_INS);
}

/** PURE: a message or value about the checkable template, in the template's own words. */
export function showPlaceholders(text: string): string {
  return text.replaceAll(STAND_INS.repo, "{repo}").replaceAll(STAND_INS.owner, "{owner}");
}

/**
 * PURE: what only a template can get wrong. A `gitlab` without `{repo}` (or a project id) is one
 * project for every repository: each mirror would overwrite, and with `prune` delete, the others' refs.
 */
export function templateProblems(config: MirrorFile): string[] {
  return config.mirrors.flatMap((mirror, i) => {
    const gitlab = String(mirror.gitlab);
    if (typeof mirror.gitlab === "string" && gitlab.includes(STAND_INS.repo)) return [];
    const namespace = typeof mirror.gitlab === "string" && gitlab.includes("/") ? gitlab.slice(0, gitlab.lastIndexOf("/")) : "group";
    return [
      `mirrors[${i}].gitlab: ${JSON.stringify(showPlaceholders(gitlab))} is one GitLab project for every repository: ` +
        `put {repo} in it, like "${showPlaceholders(namespace)}/{repo}"`,
    ];
  });
}
