/**
 * End-to-end harness: the sandbox (fake GitHub + fake GitLab over real git smart HTTP) and the
 * REAL app process (lib/src/main.js, built by `npm test`'s pretest) wired to it.
 */
import { randomUUID } from "node:crypto";
import { startApp, startSandbox, waitFor, type AppProcess, type Sandbox } from "../../sandbox/index.js";

export interface E2E {
  sandbox: Sandbox;
  app: AppProcess;
  /** A GitHub repo with `.mirror.yml` naming a fresh GitLab project; returns both names. */
  linkedPair(options?: {
    mirrorYml?: (gitlabPath: string) => string;
    files?: Record<string, string>;
    gitlabPath?: string;
    visibility?: "public" | "private" | "internal";
  }): Promise<{ repo: string; project: string }>;
  /** Delivers a push event for a commit that is already on the fake GitHub. */
  deliverPush(repo: string, push: { ref: string; before: string; after: string; deleted?: boolean }, deliveryId?: string): Promise<{ status: number }>;
  /** Waits until the GitLab ref has `sha` (or is gone when sha is null). */
  waitForGitLabRef(project: string, ref: string, sha: string | null): Promise<void>;
  /**
   * Waits until the system is quiet: every webhook either fake sent has been answered, the job it
   * became has finished and written its reports (or was a duplicate or dropped), and that produced
   * no further webhook. A bounded wait on that condition, never a sleep.
   */
  quiet(): Promise<void>;
  /** Waits for a completed check run with this name on `sha`. */
  waitForCheck(repo: string, sha: string, name: string): Promise<any>;
  /** Stops the app process and starts a new one with the same environment (same port, same cache); `whileStopped` runs in between. */
  restart(whileStopped?: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

export async function startE2E(appEnv: Record<string, string> = {}): Promise<E2E> {
  const sandbox = await startSandbox();
  // quiet() reads the app's debug lines ("mirror job finished and reported"), so debug is the default here.
  const env = sandbox.appEnv({ MIRROR_RETRY_BASE_MS: "50", LOG_LEVEL: "debug", ...appEnv });
  let app = await startApp(env);
  const delivered: string[] = []; // by deliverPush: quiet() waits for their jobs too
  const earlierLogs: string[] = []; // of app processes stopped by restart(), so quiet() still sees their jobs
  let counter = 0;

  return {
    sandbox,
    get app() {
      return app;
    },
    async linkedPair(options = {}) {
      const id = `${Date.now().toString(36)}${(counter++).toString(36)}`;
      const project = options.gitlabPath ?? `group/sub/p${id}`;
      await sandbox.gitlab.createProject({ path: project, ...(options.visibility && { visibility: options.visibility }) });
      const mirrorYml = options.mirrorYml?.(project) ?? `mirrors:\n  - gitlab: ${project}\n`;
      const { fullName } = await sandbox.github.createRepo({
        owner: "octo",
        name: `r${id}`,
        files: { ".mirror.yml": mirrorYml, "README.md": "# hello\n", ...(options.files ?? {}) },
      });
      return { repo: fullName, project };
    },
    async deliverPush(repo, push, deliveryId = randomUUID()) {
      // The sandbox lists the commits it made between before and after, as GitHub does.
      const { ref, before, after, deleted } = push;
      const payload = sandbox.github.pushEvent(repo, { ref, before, after, deleted });
      delivered.push(deliveryId);
      return sandbox.github.deliver(app.webhookUrl, "push", payload, { deliveryId });
    },
    async waitForGitLabRef(project, ref, sha) {
      await waitFor(async () => ((await sandbox.gitlab.refs(project)).get(ref) ?? null) === sha, {
        timeoutMs: 20_000,
        what: `GitLab ${project} ${ref} at ${sha}`,
      });
    },
    async waitForCheck(repo, sha, name) {
      return waitFor(
        async () => {
          const runs = await sandbox.github.checkRuns(repo);
          return runs.find((r: any) => r.head_sha === sha && r.name === name && r.status === "completed");
        },
        { timeoutMs: 20_000, what: `completed check run "${name}" on ${sha.slice(0, 7)}` },
      );
    },
    async quiet() {
      const { github, gitlab } = sandbox;
      for (let round = 0; round < 20; round++) {
        await Promise.all([github.settled(), gitlab.settled()]);
        const ids = [...delivered, ...github.webhookDeliveries.map((d) => d.deliveryId), ...gitlab.hookDeliveries.map((d) => d.eventUuid)];
        await waitFor(
          () => {
            const done = [...earlierLogs, ...app.logs()].filter((line) => /mirror job finished and reported|duplicate|dropped/.test(line));
            return ids.every((id) => done.some((line) => line.includes(id)));
          },
          { timeoutMs: 30_000, what: `the jobs of ${ids.length} webhook deliveries to finish` },
        );
        await Promise.all([github.settled(), gitlab.settled()]);
        if (delivered.length + github.webhookDeliveries.length + gitlab.hookDeliveries.length === ids.length) return;
      }
      throw new Error("the system never became quiet: webhooks kept coming");
    },
    async restart(whileStopped) {
      await app.stop();
      earlierLogs.push(...app.logs());
      await whileStopped?.();
      app = await startApp(env);
    },
    async stop() {
      await app.stop();
      await sandbox.close();
    },
  };
}
