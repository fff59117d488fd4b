/**
 * Setup without clicking: a `pull` or `both` mirror needs GitLab to tell the app about pushes, so
 * the worker asks for the project hook whenever it sees such a mirror. What was registered is
 * remembered per process, so a job costs no GitLab request once the hook is in place; a failure is
 * remembered for a while (and shown on every report meanwhile), then tried again. Once no mirror
 * pulls from a project any more, `remove` deletes the hooks the app registered there (the ones with
 * its URL; hooks someone else added stay), so GitLab stops sending pushes nobody will mirror.
 *
 * Bounded state: one entry per project this process registered a hook on; `remove` and `forget`
 * delete it (a config that newly names the project calls `forget`, so the next job checks again).
 */
import { toMirrorError } from "../errors.js";
import type { GitLabClient, GitLabProject, HookEvents } from "./client.js";

export const GITLAB_WEBHOOK_PATH = "/api/gitlab/webhooks";
const RETRY_FAILED_AFTER_MS = 10 * 60 * 1000;

export type HookRemoval = { removed: number } | { removed: 0; skipped: string };

/** `repeat`: the same failure was already answered to an earlier caller (a push mirror says it once). */
export type HookOutcome = { ok: true; action: "created" | "updated" | "known" } | { ok: false; title: string; summary: string; repeat?: boolean };

const PUSH_EVENTS: HookEvents = { push: true, pipelines: false };

export interface HookSettings {
  /** MIRROR_PUBLIC_URL. */
  publicUrl?: string;
  /** GITLAB_WEBHOOK_SECRET. */
  secret?: string;
}

export class HookRegistrar {
  readonly #done = new Map<number, { url: string; outcome: HookOutcome; at: number; path: string; events: HookEvents }>();
  readonly #running = new Map<number, Promise<HookOutcome>>();
  /** The failure last answered per project (removed when the hook is registered, or the project forgotten). */
  readonly #announced = new Map<number, string>();

  constructor(
    private readonly gitlab: Pick<GitLabClient, "ensureProjectHook" | "removeProjectHooks">,
    private readonly settings: HookSettings,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Registers (or refreshes) the hook once per project; concurrent callers share one attempt.
   * `events`: what this mirror needs (push events to pull, pipeline and job events to report
   * pipelines); a hook known to lack one is updated, and an update never drops an event.
   */
  async ensure(project: Pick<GitLabProject, "id" | "pathWithNamespace" | "webUrl">, events: HookEvents = PUSH_EVENTS): Promise<HookOutcome> {
    const url = this.settings.publicUrl ? `${this.settings.publicUrl}${GITLAB_WEBHOOK_PATH}` : undefined;
    const known = this.#done.get(project.id);
    const covers = known && (!events.push || known.events.push) && (!events.pipelines || known.events.pipelines);
    if (known && covers && known.url === (url ?? "") && (known.outcome.ok || this.now() - known.at < RETRY_FAILED_AFTER_MS)) {
      return known.outcome.ok ? { ok: true, action: "known" } : { ...known.outcome, repeat: true };
    }
    const running = this.#running.get(project.id);
    if (running) return running;
    const wanted = { push: events.push || known?.events.push === true, pipelines: events.pipelines || known?.events.pipelines === true };
    const attempt = this.#register(project, url, wanted).then((fresh): HookOutcome => {
      // The same failure again (tried after RETRY_FAILED_AFTER_MS) is a repeat too: said once until it is fixed.
      const outcome = !fresh.ok && this.#announced.get(project.id) === fresh.title ? { ...fresh, repeat: true } : fresh;
      if (fresh.ok) this.#announced.delete(project.id);
      else this.#announced.set(project.id, fresh.title);
      this.#done.set(project.id, { url: url ?? "", outcome, at: this.now(), path: project.pathWithNamespace.toLowerCase(), events: wanted });
      this.#running.delete(project.id);
      return outcome;
    });
    this.#running.set(project.id, attempt);
    return attempt;
  }

  /** Forgets what was registered on a project (by id or path), so the next `ensure` asks GitLab again. */
  forget(project: string | number): void {
    const key = String(project).toLowerCase();
    for (const [id, done] of this.#done) {
      if (String(id) !== key && done.path !== key) continue;
      this.#done.delete(id);
      this.#announced.delete(id);
    }
  }

  /** Deletes the hooks with the app's URL from a project (by id or path); throws what GitLab answered. */
  async remove(project: string | number): Promise<HookRemoval> {
    this.forget(project);
    if (!this.settings.publicUrl) return { removed: 0, skipped: "MIRROR_PUBLIC_URL is not set, so no hook is known as the app's" };
    return { removed: await this.gitlab.removeProjectHooks(project, `${this.settings.publicUrl}${GITLAB_WEBHOOK_PATH}`) };
  }

  async #register(project: Pick<GitLabProject, "id" | "pathWithNamespace" | "webUrl">, url: string | undefined, events: HookEvents): Promise<HookOutcome> {
    // What the user loses without the hook, and the triggers to tick when adding it by hand.
    const loses = [events.push && "GitLab pushes reach GitHub", events.pipelines && "GitLab pipelines show on GitHub commits"].filter(Boolean).join(", and ");
    const triggers = [events.push && "**Push events** (all branches) and **Tag push events**", events.pipelines && "**Pipeline events** and **Job events**"]
      .filter(Boolean)
      .join(", ");
    if (!url || !this.settings.secret) {
      const missing = [!url && "`MIRROR_PUBLIC_URL`", !this.settings.secret && "`GITLAB_WEBHOOK_SECRET`"].filter(Boolean).join(" and ");
      return {
        ok: false,
        title: "GitLab webhook not set up: the app has no public URL or webhook secret",
        summary: `${loses} only when GitLab tells mirror-bot about them. The app's operator must set ${missing}; mirror-bot then registers the webhook on ${project.pathWithNamespace} itself.`,
      };
    }
    try {
      return { ok: true, action: await this.gitlab.ensureProjectHook(project.id, { url, token: this.settings.secret, events }) };
    } catch (error) {
      // Not swallowed: the outcome goes onto the mirror's check run (two-way.ts withHookProblem).
      const mirrorError = toMirrorError(error);
      return {
        ok: false,
        title: `GitLab webhook not set up on ${project.pathWithNamespace}: ${mirrorError.userMessage}`,
        summary: [
          `mirror-bot could not register the webhook that tells it about GitLab ${events.push ? "pushes" : "pipelines"} (${mirrorError.userMessage}). ` +
            "Its token needs the Maintainer role on the project to manage webhooks. " +
            (events.push
              ? "Until the hook exists, GitLab pushes reach GitHub only when a GitHub push or a re-run triggers a sync."
              : "Mirroring works without it (the Developer role is enough for that); GitLab pipelines are not reported on GitHub until the hook exists."),
          "",
          `To add it by hand, open ${project.webUrl}/-/hooks and add a webhook with:`,
          `- URL: \`${url}\``,
          "- Secret token: the app's `GITLAB_WEBHOOK_SECRET` (ask the app's operator)",
          `- Trigger: ${triggers}`,
        ].join("\n"),
      };
    }
  }
}
