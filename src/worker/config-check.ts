/**
 * Validates a `.mirror.yml` that a push changed, on that commit, so errors show in the pull
 * request diff as annotations on the exact line. Also checks what only the app can know:
 * that each named GitLab instance is one this app may talk to. The `.github` repository's file
 * is the org-wide template (config/org-config.ts) and is validated as one.
 */
import { parseMirrorFile } from "../config/parse-mirror-file.js";
import { toCheckRunAnnotations } from "../config/annotations.js";
import type { MirrorFile } from "../config/schema.js";
import { createCompletedCheckRun, type CheckRunAnnotation, type CheckRunOutput } from "../github/check-runs.js";
import { readFile } from "../github/repository.js";
import { checkableTemplate, expandTemplate, ORG_CONFIG_REPO, showPlaceholders, templateProblems, usesOrgConfig } from "../config/org-config.js";
import type { GitHubClient, RepoRef } from "../github/types.js";

export const CONFIG_FILE = ".mirror.yml";
export const CONFIG_CHECK_NAME = "Mirror config (.mirror.yml)";

export type ConfigReading =
  | { kind: "absent" }
  | { kind: "invalid"; problems: string[]; annotations: CheckRunAnnotation[] }
  | { kind: "valid"; config: MirrorFile };

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
      problems.push(
        `mirrors[${index}].url: this app only mirrors to ${allowedGitLabUrl} (got ${mirror.url}); ` +
          "its GitLab token is never sent to another host",
      );
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
 * `ref` undefined reads the default branch, which is where mirroring config lives. The `.github`
 * repository's file is the org-wide template, not its own config: that repository is not mirrored.
 */
export async function loadConfig(octokit: GitHubClient, repo: RepoRef, ref: string | undefined, allowedGitLabUrl: string): Promise<ConfigReading> {
  if (!usesOrgConfig(repo.repo)) return { kind: "absent" };
  const text = await readFile(octokit, repo, CONFIG_FILE, ref);
  if (text !== null) return readConfigText(text, allowedGitLabUrl);
  // On the default branch, a repository without its own file follows its owner's org-wide one.
  if (ref !== undefined) return { kind: "absent" };
  const orgText = await readFile(octokit, { owner: repo.owner, repo: ORG_CONFIG_REPO }, CONFIG_FILE);
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
    summary: [
      `mirror-bot cannot use \`${CONFIG_FILE}\`${where}. Nothing was mirrored with it. Fix these and push again:`,
      "",
      ...reading.problems.map((p) => `- ${p}`),
    ].join("\n"),
    annotations: reading.annotations,
  };
}

/** The check run on a commit that changed `.mirror.yml`: the `.github` repository's is the org-wide template. */
export async function reportConfigValidation(octokit: GitHubClient, repo: RepoRef, sha: string, allowedGitLabUrl: string): Promise<void> {
  const template = !usesOrgConfig(repo.repo);
  let reading: ConfigReading;
  if (template) {
    const text = await readFile(octokit, repo, CONFIG_FILE, sha);
    reading = text === null ? { kind: "absent" } : readTemplateText(text, allowedGitLabUrl);
  } else {
    reading = await loadConfig(octokit, repo, sha, allowedGitLabUrl);
  }
  if (reading.kind === "absent") return; // the push deleted it: nothing to validate
  if (reading.kind === "invalid") {
    await createCompletedCheckRun(octokit, repo, { name: CONFIG_CHECK_NAME, headSha: sha, conclusion: "failure", output: invalidConfigOutput(reading, "") });
    return;
  }
  const output = template ? validTemplateOutput(reading.config, repo.owner) : validConfigOutput(reading.config);
  await createCompletedCheckRun(octokit, repo, { name: CONFIG_CHECK_NAME, headSha: sha, conclusion: "success", output });
}

function mirrorLines(config: MirrorFile): string[] {
  const lines = config.mirrors.map(
    (m) =>
      `- \`${m.gitlab}\`: ${m.direction}, branches ${m.branches ? m.branches.join(", ") : "all"}, tags ${Array.isArray(m.tags) ? m.tags.join(", ") : m.tags}, prune ${m.prune}, force ${m.force}`,
  );
  return lines.length ? lines : ["- nothing (no mirrors)"];
}

function validConfigOutput(config: MirrorFile): CheckRunOutput {
  const count = config.mirrors.length;
  return {
    title: count === 0 ? `${CONFIG_FILE} is valid: mirroring is off (mirrors: [])` : `${CONFIG_FILE} is valid: ${count} mirror(s)`,
    summary: ["This is what mirror-bot will do once this file is on the default branch:", "", ...mirrorLines(config)].join("\n"),
  };
}

function validTemplateOutput(config: MirrorFile, owner: string): CheckRunOutput {
  const count = config.mirrors.length;
  const covered = `each repository of ${owner} without its own ${CONFIG_FILE}`;
  return {
    title:
      count === 0
        ? `${CONFIG_FILE} is a valid org-wide template: mirroring is off for ${covered} (mirrors: [])`
        : `${CONFIG_FILE} is a valid org-wide template: ${count} mirror${count === 1 ? "" : "s"} for ${covered}`,
    summary: [
      `This is what mirror-bot will do for ${covered} once this file is on the default branch, with \`{repo}\` and \`{owner}\` filled in with that repository's names. The ${ORG_CONFIG_REPO} repository itself is not mirrored by it.`,
      "",
      ...mirrorLines(config).map(showPlaceholders),
    ].join("\n"),
  };
}
