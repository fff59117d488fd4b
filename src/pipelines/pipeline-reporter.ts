/**
 * GitLab pipelines as GitHub check runs: every pipeline or job event, button and reconciliation
 * pass ends in `refresh`, which asks GitLab for the pipeline and its jobs as they are now, finds
 * the pipeline's check run on the commit by name and `external_id` (no local state: it works
 * after a restart and on any replica), and moves it forward (pipeline-status.ts nextStep). So an
 * event that arrives late, twice or out of order cannot move a check run backwards, and a lost
 * one is made up by the next event or by reconciliation. Two replicas refreshing one pipeline at
 * once may both create its check run: every refresh completes the older copies as superseded.
 *
 * Bounded state: `#serial` runs the refreshes of one pipeline one at a time in this process (a
 * key leaves when its last refresh ends); `#refused` remembers the repositories whose check-run
 * write refusal was logged (capped at MAX_REFUSED, then cleared), so it is logged once.
 */
import type { Logger } from "pino";
import { pipelinesOn, type MirrorConfig } from "../config/schema.js";
import { toMirrorError } from "../errors.js";
import { KeyedSerial } from "../keyed-serial.js";
import {
  addCheckRunNote,
  checkRunRefusal,
  completeCheckRun,
  createCheckRun,
  listCheckRunsNamed,
  updateCheckRun,
  type CheckRunAction,
  type CheckRunInfo,
} from "../github/check-runs.js";
import { getRepository } from "../github/repository.js";
import type { GitHubClient, RepoRef } from "../github/types.js";
import type { GitLabClient, GitLabJob, GitLabPipeline } from "../gitlab/client.js";
import { failedJobs, pipelineCheckName, projectOfCheckName, renderPipelineReport, type JobLog } from "../report/render-pipeline.js";
import { cleanLogTail } from "./log-tail.js";
import { checkStateOf, currentRun, nextStep, parseExternalId, pipelineExternalId, pipelineState, supersededRuns, isMergeRequestPipeline } from "./pipeline-status.js";

export const CANCEL_PIPELINE_ACTION: CheckRunAction = { label: "Cancel pipeline", description: "Cancel this pipeline on GitLab", identifier: "cancel-pipeline" };
/** Logs fetched per check run: the text has room for a few failed jobs, not for hundreds. */
const MAX_LOGS = 5;
const MAX_REFUSED = 10_000;
export const SUPERSEDED_TITLE = "Superseded by a newer check run for this pipeline";
/** Reconciliation looks at pipelines updated within this window, or two intervals if longer. */
const RECONCILE_WINDOW_MS = 24 * 3_600_000;

export interface PipelineReporterDeps {
  gitlab: GitLabClient;
  getOctokit(installationId: number): Promise<GitHubClient>;
  log: Logger;
}

/** A repository reporting a project's pipelines. */
export interface ReportingRepo extends RepoRef {
  installationId: number;
}

export interface PipelineRef {
  projectId: number;
  /** The project's path, as the check run's name shows it (looked up when an event does not say). */
  projectPath?: string;
  projectWebUrl?: string;
  pipelineId: number;
}

/** The check run a button was pressed on (from the check_run event). */
export interface PressedRun {
  id: number;
  name: string;
  externalId: string | null;
  headSha: string;
  output: { title: string; summary: string; text?: string | null };
}

function roleAdvice(what: string, error: unknown): string {
  const mirrorError = toMirrorError(error);
  if (mirrorError.code === "gitlab_forbidden")
    return `GitLab refused to ${what} (403): mirror-bot's GitLab token needs the Developer role on the project (Maintainer when the pipeline runs for a protected branch or tag).`;
  return `Could not ${what}: ${mirrorError.userMessage}`;
}

export class PipelineReporter {
  /** Refreshes of one pipeline, one at a time; a plain refresh joins one still waiting to start. */
  readonly #serial = new KeyedSerial();
  readonly #refused = new Set<string>();

  constructor(private readonly deps: PipelineReporterDeps) {}

  /**
   * Brings the pipeline's check run up to date with GitLab (creating it, or a new one for a new
   * run). Refreshes of one pipeline run one at a time; an event arriving while one waits joins it,
   * since the waiting one will read GitLab after the event anyway (a burst of job events costs a
   * few check run writes, not one each: GitHub's writes are spaced a second apart).
   */
  refresh(repo: ReportingRepo, ref: PipelineRef, options: { openBefore?: Date; notes?: string[] } = {}): Promise<void> {
    const key = `${repo.owner}/${repo.repo}:${ref.projectId}:${ref.pipelineId}`.toLowerCase();
    const plain = !options.openBefore && !options.notes;
    return this.#serial.run(key, () => this.#refresh(repo, ref, options), { join: plain });
  }

  async #refresh(repo: ReportingRepo, ref: PipelineRef, { openBefore, notes }: { openBefore?: Date; notes?: string[] }): Promise<void> {
    const log = this.deps.log.child({ repo: `${repo.owner}/${repo.repo}`, project: ref.projectPath ?? ref.projectId, pipeline: ref.pipelineId });
    const pipeline = await this.deps.gitlab.pipeline(ref.projectId, ref.pipelineId);
    if (isMergeRequestPipeline(pipeline)) return void log.debug({ ref: pipeline.ref }, "merge request pipeline ignored: GitHub has no such commit to report on");
    const project = ref.projectPath ? { path: ref.projectPath, webUrl: ref.projectWebUrl } : await this.#project(ref.projectId);
    const octokit = await this.deps.getOctokit(repo.installationId);
    const name = pipelineCheckName(project.path, pipeline.name);
    let runs;
    try {
      runs = await listCheckRunsNamed(octokit, repo, pipeline.sha, name);
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status === 404 || status === 422) return void log.debug({ sha: pipeline.sha, ref: pipeline.ref }, "pipeline ignored: its commit is not on GitHub (a GitLab-only branch)");
      throw error;
    }
    await this.#completeSuperseded(octokit, repo, runs, log);
    const current = currentRun(runs, pipeline.id);
    if (openBefore) {
      // Reconciliation only looks after check runs left open for longer than the interval.
      const open = current && current.run.status !== "completed" && Date.parse(current.run.started_at ?? "") <= openBefore.getTime();
      if (!open) return;
    }
    // A completed check run stays as it is while the pipeline is not running again: nothing more to ask.
    if (current?.run.status === "completed" && checkStateOf(pipeline.status).status === "completed")
      return void log.debug("pipeline event changes nothing: its check run is completed");
    const jobs = await this.deps.gitlab.pipelineJobs(ref.projectId, pipeline.id);
    const step = nextStep(current, pipelineState(pipeline.status, jobs));
    if (step.kind === "none") return void log.debug(`pipeline event changes nothing: ${step.why}`);

    const logs = step.state.status === "completed" ? await this.#failedJobLogs(octokit, repo, ref.projectId, jobs) : new Map<number, JobLog>();
    const retry = step.kind === "create" ? step.retry : current!.retry;
    const output = renderPipelineReport({ projectPath: project.path, projectWebUrl: project.webUrl, pipeline, jobs, state: step.state, retry, logs, notes });
    const write = {
      status: step.state.status,
      ...(step.state.conclusion ? { conclusion: step.state.conclusion } : {}),
      output,
      detailsUrl: pipeline.webUrl,
      actions: step.state.status === "completed" ? [] : [CANCEL_PIPELINE_ACTION],
    };
    try {
      if (step.kind === "create") await createCheckRun(octokit, repo, { name, headSha: pipeline.sha, externalId: pipelineExternalId(pipeline.id, step.retry), ...write });
      else await updateCheckRun(octokit, repo, step.runId, write);
      log.debug(
        { step: step.kind, status: step.state.status, conclusion: step.state.conclusion },
        `pipeline check run ${step.kind === "create" ? "created" : "updated"}: ${output.title}`,
      );
    } catch (error) {
      this.#refusedWrite(repo, error, log);
    }
  }

  /** Completes the older copies of a check run that two replicas created at once (pipeline-status.ts supersededRuns). */
  async #completeSuperseded(octokit: GitHubClient, repo: RepoRef, runs: CheckRunInfo[], log: Logger): Promise<void> {
    for (const run of supersededRuns(runs)) {
      const newest = runs.filter((r) => r.external_id === run.external_id).reduce((a, b) => (b.id > a.id ? b : a));
      const output = {
        title: SUPERSEDED_TITLE,
        summary: `Two copies of this check run were created at once (by two replicas of mirror-bot); ${newest.html_url ? `[the newer one](${newest.html_url})` : "the newer one"} shows this pipeline.`,
      };
      try {
        await completeCheckRun(octokit, repo, run.id, { conclusion: "neutral", output, actions: [] });
        log.info({ checkRun: run.id, kept: newest.id }, "duplicate pipeline check run completed as superseded");
      } catch (error) {
        this.#refusedWrite(repo, error, log);
      }
    }
  }

  /** The log tails of the failed jobs (the first MAX_LOGS), or why each is not shown. */
  async #failedJobLogs(octokit: GitHubClient, repo: RepoRef, projectId: number, jobs: GitLabJob[]): Promise<Map<number, JobLog>> {
    const logs = new Map<number, JobLog>();
    const failed = failedJobs(jobs).slice(0, MAX_LOGS);
    if (failed.length === 0) return logs;
    const hidden = await this.#whyLogsHidden(octokit, repo, projectId);
    for (const job of failed) {
      if (hidden) {
        logs.set(job.id, { hidden });
        continue;
      }
      try {
        logs.set(job.id, { tail: cleanLogTail(await this.deps.gitlab.jobLog(projectId, job.id)) });
      } catch (error) {
        logs.set(job.id, { error: toMirrorError(error).userMessage });
      }
    }
    return logs;
  }

  /**
   * Why CI output must not be copied onto this repository's check runs, or null. Anyone who can
   * read the repository can read its check runs: a log leaves a private or internal GitLab project
   * only for a private repository, or when the project is public anyway. Unknown counts as hidden.
   */
  async #whyLogsHidden(octokit: GitHubClient, repo: RepoRef, projectId: number): Promise<string | null> {
    try {
      const [repository, project] = await Promise.all([getRepository(octokit, repo), this.deps.gitlab.showProject(projectId)]);
      if (repository.private || project.visibility === "public") return null;
      return `the GitLab project (${project.visibility}) is more private than this GitHub repository (${repository.visibility})`;
    } catch (error) {
      return `could not check that the GitLab project is no more private than this repository (${toMirrorError(error).userMessage})`;
    }
  }

  /** A 403 or 422 on a check run write: logged once per repository with what is missing; other failures are thrown. */
  #refusedWrite(repo: RepoRef, error: unknown, log: Logger): void {
    const refusal = checkRunRefusal(error);
    if (!refusal) throw error;
    const key = `${repo.owner}/${repo.repo}`.toLowerCase();
    if (this.#refused.has(key)) return void log.debug(refusal);
    if (this.#refused.size >= MAX_REFUSED) this.#refused.clear();
    this.#refused.add(key);
    log.warn({ err: error }, refusal);
  }

  /** **Re-run** on a pipeline's check run: retries the pipeline on GitLab; its new run gets a new check run. */
  async rerun(repo: ReportingRepo, run: PressedRun): Promise<void> {
    const target = this.#pressed(run);
    if (!target) return;
    let retried: GitLabPipeline;
    try {
      retried = await this.deps.gitlab.retryPipeline(target.projectPath, target.pipelineId);
    } catch (error) {
      return this.#sayOnRun(repo, run, roleAdvice(`retry pipeline #${target.pipelineId}`, error));
    }
    // GitLab retries only failed and cancelled jobs: a pipeline with none stays as it was.
    if (checkStateOf(retried.status).status === "completed") return this.#sayOnRun(repo, run, `Nothing to re-run: pipeline #${retried.id} has no failed or cancelled job.`);
    await this.refresh(repo, { projectId: retried.projectId, projectPath: target.projectPath, pipelineId: retried.id });
  }

  /** **Cancel pipeline** on a running pipeline's check run. */
  async cancel(repo: ReportingRepo, run: PressedRun): Promise<void> {
    const target = this.#pressed(run);
    if (!target) return;
    let cancelled: GitLabPipeline;
    try {
      cancelled = await this.deps.gitlab.cancelPipeline(target.projectPath, target.pipelineId);
    } catch (error) {
      return this.#sayOnRun(repo, run, roleAdvice(`cancel pipeline #${target.pipelineId}`, error));
    }
    await this.refresh(repo, { projectId: cancelled.projectId, projectPath: target.projectPath, pipelineId: cancelled.id });
  }

  /** **Re-run all checks**: retries every GitLab pipeline of the commit, in every project whose pipelines the repository reports. */
  async rerunCommit(repo: ReportingRepo, sha: string, mirrors: MirrorConfig[]): Promise<void> {
    for (const mirror of mirrors.filter(pipelinesOn)) {
      const project = await this.deps.gitlab.showProject(mirror.gitlab);
      for (const pipeline of await this.deps.gitlab.pipelines(project.id, { sha })) {
        if (isMergeRequestPipeline(pipeline) || checkStateOf(pipeline.status).status !== "completed") continue;
        const ref = { projectId: project.id, projectPath: project.pathWithNamespace, projectWebUrl: project.webUrl, pipelineId: pipeline.id };
        try {
          await this.deps.gitlab.retryPipeline(project.id, pipeline.id);
          await this.refresh(repo, ref);
        } catch (error) {
          await this.refresh(repo, ref, { notes: [roleAdvice(`retry pipeline #${pipeline.id}`, error)] });
        }
      }
    }
  }

  /**
   * Reconciliation: pipelines whose check run is still queued or in progress after `intervalMs`
   * are asked about again, so a lost webhook never leaves a check run spinning.
   */
  async reconcile(repo: ReportingRepo, mirrors: MirrorConfig[], intervalMs: number, now = new Date()): Promise<void> {
    const since = new Date(now.getTime() - Math.max(2 * intervalMs, RECONCILE_WINDOW_MS));
    const openBefore = new Date(now.getTime() - intervalMs);
    for (const mirror of mirrors.filter(pipelinesOn)) {
      const project = await this.deps.gitlab.showProject(mirror.gitlab);
      for (const pipeline of await this.deps.gitlab.pipelines(project.id, { updatedAfter: since })) {
        if (isMergeRequestPipeline(pipeline)) continue;
        await this.refresh(repo, { projectId: project.id, projectPath: project.pathWithNamespace, projectWebUrl: project.webUrl, pipelineId: pipeline.id }, { openBefore });
      }
    }
  }

  async #project(projectId: number): Promise<{ path: string; webUrl?: string }> {
    const project = await this.deps.gitlab.showProject(projectId);
    return { path: project.pathWithNamespace, webUrl: project.webUrl };
  }

  #pressed(run: PressedRun): { projectPath: string; pipelineId: number } | null {
    const projectPath = projectOfCheckName(run.name);
    const parsed = parseExternalId(run.externalId);
    if (!projectPath || !parsed) return null;
    return { projectPath, pipelineId: parsed.pipelineId };
  }

  async #sayOnRun(repo: ReportingRepo, run: PressedRun, note: string): Promise<void> {
    this.deps.log.info({ repo: `${repo.owner}/${repo.repo}`, checkRun: run.id }, note);
    const octokit = await this.deps.getOctokit(repo.installationId);
    await addCheckRunNote(octokit, repo, run.id, run.output, note).catch((error) => this.#refusedWrite(repo, error, this.deps.log));
  }
}
