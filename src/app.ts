/** Wiring: events → handlers → queue → worker. No logic here. */
import type { Logger } from "pino";
import type { ApplicationFunction, Probot } from "probot";
import type { AppEnv } from "./env.js";
import { createGitLabClient, type GitLabClient } from "./gitlab/client.js";
import { handleCheckRunRerequested, handleCheckSuiteRerequested } from "./handlers/rerun.js";
import { handlePush } from "./handlers/push.js";
import type { MirrorRequest, MirrorResult } from "./mirror/types.js";
import type { JobQueue } from "./queue/job-queue.js";
import { MemoryJobQueue } from "./queue/memory-queue.js";
import { RedisJobQueue } from "./queue/redis-queue.js";
import { registerSecret } from "./secrets.js";
import { runMirrorJob } from "./worker/run-mirror-job.js";

export interface AppDeps {
  env: AppEnv;
  queue: JobQueue;
  gitlab: GitLabClient;
  mirrorRefs(request: MirrorRequest): Promise<MirrorResult>;
  sleep?: (ms: number) => Promise<void>;
}

/** In memory by default (nothing to install); on Redis when REDIS_URL is set, for several replicas. */
export async function createQueue(env: AppEnv, log?: Logger): Promise<JobQueue> {
  if (!env.redisUrl) return new MemoryJobQueue(env.concurrency);
  registerSecret(new URL(env.redisUrl).password);
  return RedisJobQueue.connect({ url: env.redisUrl, concurrency: env.concurrency, log });
}

export async function defaultDeps(env: AppEnv, mirrorRefs: AppDeps["mirrorRefs"], log?: Logger): Promise<AppDeps> {
  return {
    env,
    queue: await createQueue(env, log),
    gitlab: createGitLabClient({ url: env.gitlabUrl, token: env.gitlabToken }),
    mirrorRefs,
  };
}

export function createMirrorApp(deps: AppDeps): ApplicationFunction {
  return (app: Probot) => {
    deps.queue.start((job) =>
      runMirrorJob(job, {
        env: deps.env,
        log: app.log,
        getOctokit: (installationId) => app.auth(installationId),
        gitlab: deps.gitlab,
        mirrorRefs: deps.mirrorRefs,
        sleep: deps.sleep,
      }),
    );
    app.on("push", handlePush(deps.queue));
    app.on("check_run.rerequested", handleCheckRunRerequested(deps.queue));
    app.on("check_suite.rerequested", handleCheckSuiteRerequested(deps.queue));
  };
}
