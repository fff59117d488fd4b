/**
 * Validates a `.mirror.yml` that a push changed, on that commit, so errors show in the pull
 * request diff as annotations on the exact line. Also checks what only the app can know:
 * that each named GitLab instance is one this app may talk to.
 */
import { parseMirrorFile } from "../config/parse-mirror-file.js";
import { toCheckRunAnnotations } from "../config/annotations.js";
import type { MirrorFile } from "../config/schema.js";
import { createCompletedCheckRun, type CheckRunAnnotation, type CheckRunOutput } from "../github/check-runs.js";
import { readFile } from "../github/repository.js";
import { expandTemplate, ORG_CONFIG_REPO, usesOrgConfig } from "../config/org-config.js";
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

/** `ref` undefined reads the default branch, which is where mirroring config lives. */
export async function loadConfig(octokit: GitHubClient, repo: RepoRef, ref: string | undefined, allowedGitLabUrl: string): Promise<ConfigReading> {
  const text = await readFile(octokit, repo, CONFIG_FILE, ref);
  if (text !== null) return readConfigText(text, allowedGitLabUrl);
  // On the default branch, a repository without its own file follows its owner's org-wide one.
  if (ref !== undefined || !usesOrgConfig(repo.repo)) return { kind: "absent" };
  const orgText = await readFile(octokit, { owner: repo.owner, repo: ORG_CONFIG_REPO }, CONFIG_FILE);
  if (orgText === null) return { kind: "absent" };
  const reading = readConfigText(expandTemplate(orgText, repo), allowedGitLabUrl);
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

/** The check run on a commit that changed `.mirror.yml`. */
export async function reportConfigValidation(octokit: GitHubClient, repo: RepoRef, sha: string, allowedGitLabUrl: string): Promise<void> {
  const reading = await loadConfig(octokit, repo, sha, allowedGitLabUrl);
  if (reading.kind === "absent") return; // the push deleted it: nothing to validate
  if (reading.kind === "invalid") {
    await createCompletedCheckRun(octokit, repo, { name: CONFIG_CHECK_NAME, headSha: sha, conclusion: "failure", output: invalidConfigOutput(reading, "") });
    return;
  }
  const mirrors = reading.config.mirrors;
  const list = mirrors.map((m) => `- \`${m.gitlab}\`: ${m.direction}, branches ${m.branches ? m.branches.join(", ") : "all"}, tags ${Array.isArray(m.tags) ? m.tags.join(", ") : m.tags}, prune ${m.prune}, force ${m.force}`);
  await createCompletedCheckRun(octokit, repo, {
    name: CONFIG_CHECK_NAME,
    headSha: sha,
    conclusion: "success",
    output: {
      title: mirrors.length === 0 ? `${CONFIG_FILE} is valid: mirroring is off (mirrors: [])` : `${CONFIG_FILE} is valid: ${mirrors.length} mirror(s)`,
      summary: [
        "This is what mirror-bot will do once this file is on the default branch:",
        "",
        ...(list.length ? list : ["- nothing (no mirrors)"]),
      ].join("\n"),
    },
  });
}
