/**
 * The buttons of a GitLab pipeline's check run: **Re-run** (check_run.rerequested) retries the
 * pipeline, **Cancel pipeline** (a requested action) cancels it, and **Re-run all checks**
 * (check_suite.rerequested) retries every GitLab pipeline of the commit, besides the mirror job
 * rerun.ts queues. GitLab is asked in the background, so GitHub gets its answer at once.
 */
import type { Context } from "probot";
import { loadConfig } from "../worker/config-check.js";
import type { BackgroundTasks } from "../worker/background.js";
import { CANCEL_PIPELINE_ACTION, type PipelineReporter, type PressedRun } from "../pipelines/pipeline-reporter.js";
import { PIPELINE_CHECK_PREFIX } from "../report/render-pipeline.js";

export interface PipelineButtonDeps {
  pipelines: Pick<PipelineReporter, "rerun" | "cancel" | "rerunCommit">;
  background: Pick<BackgroundTasks, "run">;
  /** GITLAB_URL: a config naming another instance is invalid. */
  allowedGitLabUrl: string;
}

type RunPayload = Context<"check_run">["payload"]["check_run"];

function pressed(run: RunPayload): PressedRun {
  return {
    id: run.id,
    name: run.name,
    externalId: run.external_id ?? null,
    headSha: run.head_sha,
    output: { title: run.output?.title ?? "", summary: run.output?.summary ?? "", text: run.output?.text ?? null },
  };
}

export function handlePipelineRerun(deps: PipelineButtonDeps) {
  return async (context: Context<"check_run.rerequested">): Promise<void> => {
    const { payload } = context;
    const installationId = payload.installation?.id;
    if (!installationId || !payload.check_run.name.startsWith(PIPELINE_CHECK_PREFIX)) return;
    const repo = { installationId, owner: payload.repository.owner.login, repo: payload.repository.name };
    deps.background.run(deps.pipelines.rerun(repo, pressed(payload.check_run)), { what: `retry the GitLab pipeline of "${payload.check_run.name}"` });
  };
}

export function handlePipelineCancel(deps: PipelineButtonDeps) {
  return async (context: Context<"check_run.requested_action">): Promise<void> => {
    const { payload } = context;
    const installationId = payload.installation?.id;
    if (!installationId || payload.requested_action?.identifier !== CANCEL_PIPELINE_ACTION.identifier) return;
    const repo = { installationId, owner: payload.repository.owner.login, repo: payload.repository.name };
    deps.background.run(deps.pipelines.cancel(repo, pressed(payload.check_run)), { what: `cancel the GitLab pipeline of "${payload.check_run.name}"` });
  };
}

export function handlePipelineSuiteRerun(deps: PipelineButtonDeps) {
  return async (context: Context<"check_suite.rerequested">): Promise<void> => {
    const { payload } = context;
    const installationId = payload.installation?.id;
    if (!installationId) return;
    const repo = { installationId, owner: payload.repository.owner.login, repo: payload.repository.name };
    const sha = payload.check_suite.head_sha;
    const retryAll = async () => {
      const config = await loadConfig(context.octokit, repo, undefined, deps.allowedGitLabUrl);
      if (config.kind !== "valid") return;
      await deps.pipelines.rerunCommit(repo, sha, config.config.mirrors);
    };
    deps.background.run(retryAll(), { what: `retry the GitLab pipelines of ${sha.slice(0, 7)}` });
  };
}
