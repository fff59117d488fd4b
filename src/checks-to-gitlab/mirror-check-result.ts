/**
 * GitHub → GitLab CI results: one check run or commit status, written as the `github/<name>`
 * commit status of the same commit in every GitLab project the repository mirrors with
 * `checks` on (pull and both by default). The repository's mirrors come from the mirror index
 * (as for GitLab webhooks), confirmed by its `.mirror.yml` (or the org-wide one) on the default
 * branch, read as a mirror job reads it. Nothing is kept
 * between events: what GitLab shows now is read back and compared (plan-status-update.ts), so it
 * works after a restart and on any replica.
 */
import type { Logger } from "pino";
import { checksOn, type MirrorConfig } from "../config/schema.js";
import type { AppEnv } from "../env.js";
import { currentCheckRun, currentCommitStatus } from "../github/commit-statuses.js";
import type { GitHubClient, RepoRef } from "../github/types.js";
import type { GitLabClient } from "../gitlab/client.js";
import type { MirrorIndex } from "../index/mirror-index.js";
import { KeyedSerial } from "../keyed-serial.js";
import { withRetry } from "../retry.js";
import { loadConfig } from "../worker/config-check.js";
import type { ConfigCache } from "../worker/config-cache.js";
import { checkRunState, checkRunWord, commitStatusState, gitlabStatusName, statusDescription, type GitLabState } from "./map-state.js";
import { planStatusUpdate, runIdOf, type WantedStatus } from "./plan-status-update.js";

/** One GitHub check result, as the handlers read it from a `check_run` or `status` event. */
export interface GitHubCheckResult {
  kind: "check_run" | "status";
  installationId: number;
  repo: RepoRef;
  sha: string;
  /** The check run's name or the status's context. */
  name: string;
  /** The check run's or the status's id. */
  id: number;
  state: GitLabState;
  /** GitHub's own word for it (`in_progress`, `failure`), shown in the GitLab description. */
  word: string;
  /** The check run's title or the status's description. */
  detail: string | null;
  /** The check on GitHub: the run's page, or the status's link (else the commit). */
  targetUrl: string;
  deliveryId: string;
}

export interface CheckResultDeps {
  env: Pick<AppEnv, "gitlabUrl" | "retryAttempts" | "retryBaseMs">;
  /**
   * Which repositories have mirrors (from every config the app read: the scan at start, every
   * mirror job). Busy repositories send a check event per CI job; those without a mirror that
   * has checks on cost no GitHub call. The others confirm with the config itself.
   */
  index: Pick<MirrorIndex, "get">;
  /** `.mirror.yml` as the config cache has it: a CI job's events cost no contents read while it is fresh. */
  configs: Pick<ConfigCache, "reader">;
  gitlab: GitLabClient;
  getOctokit(installationId: number): Promise<GitHubClient>;
  log: Logger;
  sleep?: (ms: number) => Promise<void>;
}

export type CheckResultMirror = (result: GitHubCheckResult) => Promise<void>;

export function createCheckResultMirror(deps: CheckResultDeps): CheckResultMirror {
  const serial = new KeyedSerial();
  // A project whose statuses cannot be written (403: the token's role) is logged once per kind of
  // failure, until a write there succeeds. One entry per failing project, removed by that success.
  const warned = new Map<string, string>();

  return async (result) => {
    const log = deps.log.child({ repo: `${result.repo.owner}/${result.repo.repo}`, sha: result.sha, check: result.name, delivery: result.deliveryId });
    const indexed = deps.index.get(result.repo.owner, result.repo.repo);
    if (!indexed?.mirrors.some(checksOn)) return void log.debug({ indexed: Boolean(indexed) }, "GitHub check not mirrored: no mirror with checks on (mirror index)");
    // Reading and writing one status is one step: a later event must not read what an earlier one is about to change.
    const key = `${result.repo.owner}/${result.repo.repo} ${result.sha} ${result.name}`.toLowerCase();
    await serial.run(key, async () => {
      const octokit = await deps.getOctokit(result.installationId);
      const config = await loadConfig(octokit, result.repo, undefined, deps.env.gitlabUrl, deps.configs.reader(octokit, result.installationId, { job: false }));
      const mirrors = config.kind === "valid" ? config.config.mirrors.filter(checksOn) : [];
      if (mirrors.length === 0) return void log.debug({ config: config.kind }, "GitHub check not mirrored: no mirror with checks on");
      const wanted = await wantedStatus(result, octokit, log);
      if (!wanted) return void log.debug("GitHub check not mirrored: GitHub now shows a state this app does not map");
      const name = gitlabStatusName(result.name);
      for (const mirror of mirrors) {
        const project = String(mirror.gitlab);
        const outcome = await withRetry(() => writeOne(deps, log.child({ gitlab: project }), mirror, result.sha, name, wanted), {
          attempts: deps.env.retryAttempts,
          baseMs: deps.env.retryBaseMs,
          sleep: deps.sleep,
        });
        if (outcome.ok) {
          warned.delete(project.toLowerCase());
          continue;
        }
        const { error } = outcome;
        if (warned.get(project.toLowerCase()) === error.code) {
          log.debug({ code: error.code }, `GitLab status not set: ${error.userMessage}`);
          continue;
        }
        warned.set(project.toLowerCase(), error.code);
        const what = error.code === "gitlab_forbidden" ? STATUS_ROLE : error.advice;
        log.warn({ code: error.code, gitlab: project, err: error }, `GitHub checks are not shown on GitLab project ${project}: ${error.userMessage}. ${what}`);
      }
    });
  };
}

const STATUS_ROLE =
  "Setting a commit status needs the Developer role on the project for mirror-bot's GitLab token (and the `api` scope); " +
  "give it that role, or set `checks: false` on this mirror. Logged once until it works.";

interface Wanted extends WantedStatus {
  word: string;
  detail: string | null;
  targetUrl: string;
}

/**
 * What GitHub shows now for the check run or the status's context, not what the event said:
 * events may be late, and another replica may be handling a later one at the same moment (a late
 * `created` must not write a pending status after `completed`). Null: GitHub now shows a state
 * this app does not map.
 */
async function wantedStatus(result: GitHubCheckResult, octokit: GitHubClient, log: Logger): Promise<Wanted | null> {
  const event = { state: result.state, word: result.word, detail: result.detail, targetUrl: result.targetUrl };
  if (result.kind === "check_run") {
    let run;
    try {
      run = await currentCheckRun(octokit, result.repo, result.id);
    } catch (error) {
      // The event alone, which may only move forward.
      log.debug({ err: error }, "check run not read back from GitHub: going by the event");
      return { ...event, runId: result.id, current: false };
    }
    const state = checkRunState(run.status, run.conclusion);
    if (!state) return null;
    return { state, word: checkRunWord(run.status, run.conclusion), detail: run.title, targetUrl: run.htmlUrl ?? result.targetUrl, runId: result.id, current: true };
  }
  const now = await currentCommitStatus(octokit, result.repo, result.sha, result.name);
  // Not in the first 100 contexts GitHub lists: the event alone, which may only move forward.
  if (!now) return { ...event, runId: null, current: false };
  const state = commitStatusState(now.state);
  if (!state) return null;
  return { state, word: now.state, detail: now.description, targetUrl: now.targetUrl ?? result.targetUrl, runId: null, current: true };
}

async function writeOne(deps: CheckResultDeps, log: Logger, mirror: MirrorConfig, sha: string, name: string, wanted: Wanted): Promise<void> {
  const project = await deps.gitlab.showProject(mirror.gitlab);
  const shown = await deps.gitlab.latestCommitStatus(project.id, sha, name);
  if (shown === "no-commit") return void log.debug("GitHub check not mirrored: GitLab does not have this commit (yet) on a branch");
  const decision = planStatusUpdate(shown && { state: shown.state, runId: runIdOf(shown.targetUrl) }, wanted);
  if (!decision.write) return void log.debug({ shown: shown?.state, wanted: wanted.state }, `GitLab status left as it is: ${decision.reason}`);
  const write = await deps.gitlab.setCommitStatus(project.id, sha, {
    name,
    state: wanted.state,
    description: statusDescription(wanted.word, wanted.detail),
    targetUrl: wanted.targetUrl,
  });
  if (write.outcome === "set") return void log.debug({ state: wanted.state, status: name }, "GitLab status set");
  // Another event won the race (refused), or the commit left GitLab's branches: nothing to correct.
  log.debug(
    { wanted: wanted.state, answer: write.message },
    `GitLab status left as it is: ${write.outcome === "refused" ? "GitLab refused the move" : "no such commit on GitLab"}`,
  );
}
