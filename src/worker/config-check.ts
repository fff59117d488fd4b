/**
 * Validates a `.mirror.yml` that a push changed, on that commit, so errors show in the pull
 * request diff as annotations on the exact line. Also checks what only the app can know:
 * that each named GitLab instance is one this app may talk to. A valid file's check run is the
 * plan of what merging it would do (config-plan.ts), worked out without writing anything. The
 * `.github` repository's file is the org-wide template (config/org-config.ts) and is validated as one.
 */
import { parseMirrorFile } from "../config/parse-mirror-file.js";
import { toCheckRunAnnotations } from "../config/annotations.js";
import type { MirrorFile } from "../config/schema.js";
import { createCompletedCheckRun, type CheckRunAnnotation, type CheckRunOutput } from "../github/check-runs.js";
import { getRepository, installationToken, readFile, type RepositoryInfo } from "../github/repository.js";
import { renderConfigPlan, REPOS_PLANNED, type RepoPlan, type TemplatePlan } from "../report/render-config-plan.js";
import { planRepository, tokenVerdicts, type PlanDeps } from "./config-plan.js";
import { checkableTemplate, expandTemplate, ORG_CONFIG_REPO, showPlaceholders, templateProblems, usesOrgConfig } from "../config/org-config.js";
import type { GitHubClient, RepoRef } from "../github/types.js";
import { CONFIG_PATH, type ConfigFileReader } from "./config-cache.js";

export const CONFIG_FILE = CONFIG_PATH;
export const CONFIG_CHECK_NAME = "Mirror config (.mirror.yml)";

export type ConfigReading = { kind: "absent" } | { kind: "invalid"; problems: string[]; annotations: CheckRunAnnotation[] } | { kind: "valid"; config: MirrorFile };

/** Parses the file and applies the app's own rules (allowed GitLab instance). */
export function readConfigText(text: string, allowedGitLabUrl: string): ConfigReading {
  const parsed = parseMirrorFile(text);
  if (!parsed.ok) {
    return {
      kind: "invalid",
      problems: parsed.problems.map((p) => `line ${p.line}: ${p.message}`),
      annotations: toCheckRunAnnotations(parsed.problems, CONFIG_FILE),
    };
  }
  const problems: string[] = [];
  parsed.config.mirrors.forEach((mirror, index) => {
    if (mirror.url && normalizeUrl(mirror.url) !== normalizeUrl(allowedGitLabUrl)) {
      problems.push(`mirrors[${index}].url: this app only mirrors to ${allowedGitLabUrl} (got ${mirror.url}); ` + "its GitLab token is never sent to another host");
    }
  });
  if (problems.length > 0) return { kind: "invalid", problems, annotations: [] };
  return { kind: "valid", config: parsed.config };
}

export function normalizeUrl(url: string): string {
  return url.replace(/\/+$/, "").toLowerCase();
}

/**
 * The org-wide template, checked on its own: parsed and validated as every repository would read
 * it (with stand-ins for `{repo}` and `{owner}`), plus what only a template can get wrong. Problems
 * and the valid config's values show the placeholders as written.
 */
export function readTemplateText(text: string, allowedGitLabUrl: string): ConfigReading {
  const reading = readConfigText(checkableTemplate(text), allowedGitLabUrl);
  if (reading.kind === "invalid") {
    return {
      kind: "invalid",
      problems: reading.problems.map(showPlaceholders),
      annotations: reading.annotations.map((a) => ({ ...a, message: showPlaceholders(a.message) })),
    };
  }
  if (reading.kind !== "valid") return reading;
  const problems = templateProblems(reading.config);
  return problems.length > 0 ? { kind: "invalid", problems, annotations: [] } : reading;
}

/**
 * `ref` undefined reads the default branch, which is where mirroring config lives, through
 * `readDefault` (mirror jobs and scans pass the config cache's reader, config-cache.ts). The
 * `.github` repository's file is the org-wide template, not its own config: that repository is
 * not mirrored.
 */
export async function loadConfig(
  octokit: GitHubClient,
  repo: RepoRef,
  ref: string | undefined,
  allowedGitLabUrl: string,
  readDefault: ConfigFileReader = (r) => readFile(octokit, r, CONFIG_FILE),
): Promise<ConfigReading> {
  if (!usesOrgConfig(repo.repo)) return { kind: "absent" };
  const text = ref === undefined ? await readDefault(repo) : await readFile(octokit, repo, CONFIG_FILE, ref);
  if (text !== null) return readConfigText(text, allowedGitLabUrl);
  // On the default branch, a repository without its own file follows its owner's org-wide one.
  if (ref !== undefined) return { kind: "absent" };
  const orgText = await readDefault({ owner: repo.owner, repo: ORG_CONFIG_REPO });
  if (orgText === null) return { kind: "absent" };
  const template = readTemplateText(orgText, allowedGitLabUrl);
  const reading = template.kind === "invalid" ? template : readConfigText(expandTemplate(orgText, repo), allowedGitLabUrl);
  if (reading.kind !== "invalid") return reading;
  const where = `${repo.owner}/${ORG_CONFIG_REPO}`;
  return { kind: "invalid", problems: reading.problems.map((p) => `${where} ${CONFIG_FILE} ${p}`), annotations: [] };
}

export function invalidConfigOutput(reading: Extract<ConfigReading, { kind: "invalid" }>, where: string): CheckRunOutput {
  const count = reading.problems.length;
  return {
    title: `${CONFIG_FILE} is invalid${where}: ${reading.problems[0]}${count > 1 ? ` (and ${count - 1} more)` : ""}`,
    summary: [`mirror-bot cannot use \`${CONFIG_FILE}\`${where}. Nothing was mirrored with it. Fix these and push again:`, "", ...reading.problems.map((p) => `- ${p}`)].join("\n"),
    annotations: reading.annotations,
  };
}

/** What the config check needs beyond GitHub: what the plan asks (config-plan.ts) and the allowed GitLab instance. */
export type ConfigCheckDeps = PlanDeps & { env: PlanDeps["env"] & { gitlabUrl: string } };

/**
 * The check run on a commit that changed `.mirror.yml`: invalid → `failure`; valid → the plan of
 * what merging it would do (config-plan.ts), computed without writing anything. The `.github`
 * repository's file is the org-wide template: planned for the repositories it applies to.
 */
export async function reportConfigValidation(octokit: GitHubClient, repo: RepoRef, sha: string, deps: ConfigCheckDeps): Promise<void> {
  const allowedGitLabUrl = deps.env.gitlabUrl;
  const template = !usesOrgConfig(repo.repo);
  let reading: ConfigReading;
  let text: string | null = null;
  if (template) {
    text = await readFile(octokit, repo, CONFIG_FILE, sha);
    reading = text === null ? { kind: "absent" } : readTemplateText(text, allowedGitLabUrl);
  } else {
    reading = await loadConfig(octokit, repo, sha, allowedGitLabUrl);
  }
  if (reading.kind === "absent") return; // the push deleted it: nothing to validate
  if (reading.kind === "invalid") {
    await createCompletedCheckRun(octokit, repo, { name: CONFIG_CHECK_NAME, headSha: sha, conclusion: "failure", output: invalidConfigOutput(reading, "") });
    return;
  }
  const mirrorCount = reading.config.mirrors.length;
  const plan =
    template && text !== null
      ? { ...(await planTemplate(octokit, repo.owner, text, deps, templateLines(reading.config))), mirrorCount }
      : { repos: [await planOwnConfig(octokit, repo, reading.config, deps)], mirrorCount };
  const { conclusion, output } = renderConfigPlan(plan);
  await createCompletedCheckRun(octokit, repo, { name: CONFIG_CHECK_NAME, headSha: sha, conclusion, output });
}

async function planOwnConfig(octokit: GitHubClient, repo: RepoRef, config: MirrorFile, deps: ConfigCheckDeps): Promise<RepoPlan> {
  if (config.mirrors.length === 0) return { repo: `${repo.owner}/${repo.repo}`, mirrors: [] };
  const [repository, token, tokens] = await Promise.all([getRepository(octokit, repo), installationToken(octokit), tokenVerdicts(deps)]);
  return planRepository(deps, repo, repository, config.mirrors, token, tokens);
}

/**
 * The org-wide template, planned for the owner's repositories that have no `.mirror.yml` of
 * their own (the first REPOS_PLANNED; the rest are counted). Each is read as the sync would read it.
 */
async function planTemplate(octokit: GitHubClient, owner: string, text: string, deps: ConfigCheckDeps, mirrors: string[]): Promise<{ repos: RepoPlan[]; template: TemplatePlan }> {
  const listed = await octokit.paginate(octokit.rest.apps.listReposAccessibleToInstallation, { per_page: 100 });
  const candidates = listed
    .filter((r) => r.owner.login.toLowerCase() === owner.toLowerCase() && !r.archived && usesOrgConfig(r.name))
    .sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : 1));
  const own = await inBatches(candidates, 4, (r) => readFile(octokit, { owner: r.owner.login, repo: r.name }, CONFIG_FILE));
  const covered = candidates.filter((_, i) => own[i] === null);
  const planned = covered.slice(0, REPOS_PLANNED);
  const repos: RepoPlan[] = [];
  if (planned.length > 0) {
    const [token, tokens] = await Promise.all([installationToken(octokit), tokenVerdicts(deps)]);
    for (const r of planned) {
      const ref = { owner: r.owner.login, repo: r.name };
      const reading = readConfigText(expandTemplate(text, ref), deps.env.gitlabUrl);
      const mirrors = reading.kind === "valid" ? reading.config.mirrors : [];
      const repository = {
        cloneUrl: r.clone_url,
        private: r.private,
        visibility: (r.visibility as RepositoryInfo["visibility"] | undefined) ?? (r.private ? "private" : "public"),
      };
      repos.push(await planRepository(deps, ref, repository, mirrors, token, tokens));
    }
  }
  return { repos, template: { owner, moreRepos: covered.length - planned.length, mirrors } };
}

/** The template's mirrors as written (`{repo}`, `{owner}`), one line each. */
function templateLines(config: MirrorFile): string[] {
  return config.mirrors.map((m) =>
    showPlaceholders(
      `\`${m.gitlab}\`: ${m.direction}, branches ${m.branches ? m.branches.join(", ") : "all"}, tags ${Array.isArray(m.tags) ? m.tags.join(", ") : m.tags}, prune ${m.prune}, force ${m.force}`,
    ),
  );
}

async function inBatches<T, R>(items: T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += size) results.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return results;
}
