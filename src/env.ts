/**
 * process.env parsed once, at boot, into a typed object. A bad value stops the app with a message
 * naming the variable, instead of failing later inside a job.
 * Probot reads its own variables (APP_ID, PRIVATE_KEY, WEBHOOK_SECRET, GHE_HOST, PORT, ...) itself.
 */
import os from "node:os";
import path from "node:path";
import { z } from "zod";

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const EnvSchema = z.object({
  GITLAB_URL: z.url({ protocol: /^https?$/ }).default("https://gitlab.com"),
  GITLAB_TOKEN: z.string().optional(),
  GITLAB_WEBHOOK_SECRET: z.string().optional(),
  MIRROR_CACHE_DIR: z.string().default(path.join(os.tmpdir(), "mirror-bot-cache")),
  /** Per git process. A first sync of a large repository is the slow case. */
  MIRROR_GIT_TIMEOUT_MS: positiveInt(10 * 60 * 1000),
  /** Attempts for a job that fails with a transient error (network, 5xx, 429). */
  MIRROR_RETRY_ATTEMPTS: positiveInt(4),
  MIRROR_RETRY_BASE_MS: positiveInt(1000),
  /** How many repositories are mirrored at the same time (jobs of one repository never overlap). */
  MIRROR_CONCURRENCY: positiveInt(4),
  /** Set to share jobs (and the status page) between replicas through Redis. */
  REDIS_URL: z.string().regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL").optional(),
});

export type AppEnv = {
  gitlabUrl: string;
  gitlabToken: string | undefined;
  gitlabWebhookSecret: string | undefined;
  cacheDir: string;
  gitTimeoutMs: number;
  retryAttempts: number;
  retryBaseMs: number;
  concurrency: number;
  redisUrl: string | undefined;
};

export function parseEnv(env: NodeJS.ProcessEnv = process.env): AppEnv {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`Invalid environment:\n  ${lines.join("\n  ")}`);
  }
  const e = parsed.data;
  return {
    gitlabUrl: e.GITLAB_URL.replace(/\/+$/, ""),
    gitlabToken: e.GITLAB_TOKEN || undefined,
    gitlabWebhookSecret: e.GITLAB_WEBHOOK_SECRET || undefined,
    cacheDir: path.resolve(e.MIRROR_CACHE_DIR),
    gitTimeoutMs: e.MIRROR_GIT_TIMEOUT_MS,
    retryAttempts: e.MIRROR_RETRY_ATTEMPTS,
    retryBaseMs: e.MIRROR_RETRY_BASE_MS,
    concurrency: e.MIRROR_CONCURRENCY,
    redisUrl: e.REDIS_URL || undefined,
  };
}
