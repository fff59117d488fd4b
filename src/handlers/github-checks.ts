/**
 * GitHub `check_run` (created, completed) and `status` events: a CI result on a GitHub commit,
 * handed to the GitHub → GitLab results mirror (checks-to-gitlab/) in the background, so GitHub
 * gets its answer at once. Loop-free: the app's own check runs (its app id: mirror reports, and
 * GitLab pipelines shown as check runs) and `gitlab/...` statuses are never carried to GitLab.
 */
import type { Context, Probot } from "probot";
import type { CheckResultMirror, GitHubCheckResult } from "../checks-to-gitlab/mirror-check-result.js";
import { checkRunState, commitStatusState } from "../checks-to-gitlab/map-state.js";
import { isOwnGitHubStatus } from "../checks-to-gitlab/own-statuses.js";
import type { Metrics } from "../status/types.js";
import type { BackgroundTasks } from "../worker/background.js";

export interface CheckEventDeps {
  /** This app's id: its own check runs are not mirrored back. */
  appId(): Promise<number>;
  mirror: CheckResultMirror;
  background: BackgroundTasks;
  metrics?: Metrics;
}

/** The app's and the tests' one way to subscribe: check runs created or completed, and statuses. */
export function registerCheckResultHandlers(app: Pick<Probot, "on">, deps: CheckEventDeps): void {
  app.on(["check_run.created", "check_run.completed"], handleCheckRunResult(deps));
  app.on("status", handleStatusResult(deps));
}

export function handleCheckRunResult(deps: CheckEventDeps) {
  return async (context: Context<"check_run.created" | "check_run.completed">): Promise<void> => {
    const { payload } = context;
    const run = payload.check_run;
    const installationId = payload.installation?.id;
    const ignore = (why: string) => {
      deps.metrics?.webhookReceived({ event: "check_run", outcome: "ignored" });
      context.log.debug({ delivery: context.id, check: run.name, sha: run.head_sha }, `check run not mirrored to GitLab: ${why}`);
    };
    if (!installationId) return ignore("no installation in the event");
    if (run.app?.id === (await deps.appId())) return ignore("the app's own check run");
    const state = checkRunState(run.status, run.conclusion);
    if (!state) return ignore(`unknown state ${run.status}/${run.conclusion}`);
    start(deps, context.id, {
      kind: "check_run",
      installationId,
      repo: { owner: payload.repository.owner.login, repo: payload.repository.name },
      sha: run.head_sha,
      name: run.name,
      id: run.id,
      state,
      word: run.status === "completed" ? (run.conclusion ?? run.status) : run.status,
      detail: run.output?.title ?? null,
      // The run's page on GitHub; its id in the link is how later events are ordered (plan-status-update.ts).
      targetUrl: run.html_url ?? `${payload.repository.html_url}/runs/${run.id}`,
      deliveryId: context.id,
    });
  };
}

export function handleStatusResult(deps: CheckEventDeps) {
  return async (context: Context<"status">): Promise<void> => {
    const { payload } = context;
    const installationId = payload.installation?.id;
    const ignore = (why: string) => {
      deps.metrics?.webhookReceived({ event: "status", outcome: "ignored" });
      context.log.debug({ delivery: context.id, context: payload.context, sha: payload.sha }, `commit status not mirrored to GitLab: ${why}`);
    };
    if (!installationId) return ignore("no installation in the event");
    if (isOwnGitHubStatus(payload.context)) return ignore("a status the app writes from GitLab");
    const state = commitStatusState(payload.state);
    if (!state) return ignore(`unknown state ${payload.state}`);
    start(deps, context.id, {
      kind: "status",
      installationId,
      repo: { owner: payload.repository.owner.login, repo: payload.repository.name },
      sha: payload.sha,
      name: payload.context,
      id: payload.id,
      state,
      word: payload.state,
      detail: payload.description ?? null,
      targetUrl: payload.target_url ?? `${payload.repository.html_url}/commit/${payload.sha}`,
      deliveryId: context.id,
    });
  };
}

function start(deps: CheckEventDeps, delivery: string, result: GitHubCheckResult): void {
  deps.metrics?.webhookReceived({ event: result.kind, outcome: "queued" });
  deps.background.run(deps.mirror(result), { what: `mirror the GitHub check "${result.name}" on ${result.sha.slice(0, 7)} to GitLab (delivery ${delivery})` });
}
