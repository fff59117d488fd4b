/**
 * Org-wide mirroring: `.mirror.yml` in the owner's `.github` repository applies to every
 * repository without a `.mirror.yml` of its own (a repository opts out with `mirrors: []`).
 * `{repo}` and `{owner}` in the file are replaced with the repository's names before it is
 * parsed, so `gitlab: acme-mirror/{repo}` names one project per repository and every problem is
 * still reported on the line it is on.
 */
export const ORG_CONFIG_REPO = ".github";

/** PURE: the template filled in for one repository. Names are GitHub's ([A-Za-z0-9._-]), safe in YAML. */
export function expandTemplate(text: string, names: { owner: string; repo: string }): string {
  return text.replace(/\{(repo|owner)\}/g, (_, key: "repo" | "owner") => names[key]);
}

/** The `.github` repository holds the template; it is not mirrored by it. */
export function usesOrgConfig(repo: string): boolean {
  return repo.toLowerCase() !== ORG_CONFIG_REPO;
}
