/**
 * process.env parsed once, at boot, into a typed object: the one schema of every variable the
 * app reads, each with its one default. A bad value stops the app with a message naming the
 * variable, instead of failing later inside a job. Documented in docs/operating.md; a test checks
 * that every documented variable parses and that its documented default is the real one.
 * Probot reads its own variables (APP_ID, PRIVATE_KEY, GHE_HOST, PORT, ...) itself (PROBOT_VARIABLES).
 */
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseEnv as parseDotEnv } from "node:util";
import { z } from "zod";
import { registerSecret } from "./secrets.js";
import { DEFAULT_INTAKE_PACING, type IntakePacing } from "./queue/intake-pacer.js";
import { parseInterval } from "./sync/schedule.js";

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
/** Blank (`LOG_LEVEL=` in a .env) is unset. */
const blankAsUnset = (value: unknown) => (typeof value === "string" && value.trim() === "" ? undefined : value);
const millisOrOff = (fallback: number) => z.coerce.number().int().min(0).default(fallback);
/** "true" or "false" in any case, blank as unset. */
const flag = z
  .string()
  .default("false")
  .transform((value, ctx) => {
    const v = value.trim().toLowerCase();
    if (v === "" || v === "false") return false;
    if (v === "true") return true;
    ctx.addIssue({ code: "custom", message: `expected "true" or "false", got "${value}"` });
    return z.NEVER;
  });

/** Shortest admin token accepted: anything shorter is guessable and too short for `redact`. */
const MIN_ADMIN_TOKEN_LENGTH = 16;
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Variables Probot reads itself (and the app never does), listed for the test of the docs. */
export const PROBOT_VARIABLES = ["APP_ID", "PRIVATE_KEY", "PRIVATE_KEY_PATH", "WEBHOOK_PROXY_URL", "GHE_HOST", "GHE_PROTOCOL", "PORT", "HOST"] as const;

const EnvSchema = z.object({
  /** Probot's own variables, read here too: the app answers GitHub webhooks itself (handlers/github-webhook-route.ts). */
  WEBHOOK_PATH: z.string().regex(/^\//, "must start with /").default("/api/github/webhooks"),
  WEBHOOK_SECRET: z.string().optional(),
  GITLAB_URL: z.url({ protocol: /^https?$/ }).default("https://gitlab.com"),
  GITLAB_TOKEN: z.string().optional(),
  GITLAB_WEBHOOK_SECRET: z.string().optional(),
  MIRROR_CACHE_DIR: z.string().default(path.join(os.tmpdir(), "mirror-bot-cache")),
  /** Per git process (the one default: the engine has none). A first sync of a large repository is the slow case. */
  MIRROR_GIT_TIMEOUT_MS: positiveInt(10 * 60 * 1000),
  /** Attempts for a job that fails with a transient error (network, 5xx, 429). */
  MIRROR_RETRY_ATTEMPTS: positiveInt(4),
  MIRROR_RETRY_BASE_MS: positiveInt(1000),
  /** Days a backup ref (refs/mirror-backup/*) is kept before reconciliation prunes it; 0: no backups. */
  MIRROR_BACKUP_DAYS: z.coerce.number().int().min(0).default(30),
  /** Bound of each repository's Git LFS object cache; a larger object streams through uncached (docs/lfs.md). */
  MIRROR_LFS_CACHE_MB: z.coerce.number().int().min(0).default(2048),
  /** How many repositories are mirrored at the same time (jobs of one repository never overlap). */
  MIRROR_CONCURRENCY: positiveInt(4),
  /** Jobs wait while deliveries arrive closer together than this (queue/intake-pacer.ts); 0: pacing off. */
  MIRROR_INTAKE_QUIET_MS: millisOrOff(DEFAULT_INTAKE_PACING.quietMs),
  /** ... but never longer than this; 0: pacing off. */
  MIRROR_INTAKE_MAX_HOLD_MS: millisOrOff(DEFAULT_INTAKE_PACING.maxHoldMs),
  /** Where GitLab can reach this app: project hooks point at <this>/api/gitlab/webhooks. */
  MIRROR_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Comma-separated GitLab groups mirrors may name (subgroups included); unset: any. */
  MIRROR_GITLAB_NAMESPACES: z.string().optional(),
  /** Allow pulling a private or internal GitLab project into a public GitHub repository. */
  MIRROR_ALLOW_PUBLISHING_PRIVATE: z.enum(["true", "false", ""]).optional(),
  /** Set to share jobs (and the status page) between replicas through Redis. */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL")
    .optional(),
  /** With REDIS_URL: a replica's lease on a running repository; a dead replica's job moves on after ~1-3 times this. */
  MIRROR_QUEUE_LEASE_MS: positiveInt(30_000),
  /** How often every mirror is compared and brought right: "1h", "30m", "90s" or seconds. */
  MIRROR_SYNC_INTERVAL: z
    .string()
    .default("1h")
    .transform((value, ctx) => {
      try {
        return parseInterval(value);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as Error).message });
        return z.NEVER;
      }
    }),
  /** Opens the status page and metrics (status/status-routes.ts); unset or blank: they do not exist. */
  MIRROR_ADMIN_TOKEN: z
    .string()
    .optional()
    .transform((value) => value?.trim() || undefined)
    .refine((token) => token === undefined || (token.length >= MIN_ADMIN_TOKEN_LENGTH && !/\s/.test(token)), {
      message: `must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters without spaces (e.g. openssl rand -hex 32)`,
    }),
  /** Serve /metrics without the admin token (a Prometheus on a private network). */
  MIRROR_METRICS_PUBLIC: flag,
  /** The app's log level; the CLI, whose stderr is for problems, logs at warn unless this is set. */
  LOG_LEVEL: z.preprocess(blankAsUnset, z.enum(LOG_LEVELS).optional()),
  /** Unset: pretty, or json when NODE_ENV=production (as Probot). */
  LOG_FORMAT: z.preprocess(blankAsUnset, z.enum(["pretty", "json"]).optional()),
  /** Probot's: the level as a word ("info") instead of pino's number. */
  LOG_LEVEL_IN_STRING: flag,
  NODE_ENV: z.string().optional(),
});

/** Every variable the app reads (Probot's own aside). */
export const ENV_VARIABLES = Object.keys(EnvSchema.shape) as Array<keyof typeof EnvSchema.shape>;

export type AppEnv = {
  /** Where GitHub sends webhooks (WEBHOOK_PATH); absent: /api/github/webhooks. */
  webhookPath?: string;
  /** WEBHOOK_SECRET; like Probot, "development" when unset. */
  webhookSecret?: string;
  gitlabUrl: string;
  gitlabToken: string | undefined;
  gitlabWebhookSecret: string | undefined;
  cacheDir: string;
  gitTimeoutMs: number;
  retryAttempts: number;
  /** Days backup refs are kept; 0 turns backups off. */
  backupDays: number;
  retryBaseMs: number;
  concurrency: number;
  /** MIRROR_LFS_CACHE_MB; absent: 2048. */
  lfsCacheMb?: number;
  /** MIRROR_INTAKE_QUIET_MS / MIRROR_INTAKE_MAX_HOLD_MS; absent: jobs are never held back. */
  intakePacing?: IntakePacing;
  redisUrl: string | undefined;
  /** MIRROR_QUEUE_LEASE_MS (Redis queue only); absent: 30 s. */
  queueLeaseMs?: number;
  /** Reconciliation interval (MIRROR_SYNC_INTERVAL) in ms; absent: 1 hour. */
  syncIntervalMs?: number;
  /** Two-way mirroring and the access policy (optional so older test fixtures stay valid). */
  publicUrl?: string;
  /** Lower-case group paths without slashes at either end; empty: any namespace. */
  gitlabNamespaces?: string[];
  allowPublishingPrivate?: boolean;
  /** MIRROR_ADMIN_TOKEN, trimmed; absent: no status page. */
  adminToken?: string;
  metricsPublic: boolean;
  log: LogEnv;
};

export interface LogEnv {
  /** LOG_LEVEL, or info. */
  level: LogLevel;
  /** LOG_LEVEL, or warn: the CLI's stderr is for problems. */
  cliLevel: LogLevel;
  format: "pretty" | "json";
  levelInString: boolean;
}

export function parseEnv(env: Record<string, string | undefined> = process.env): AppEnv {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`Invalid environment:\n  ${lines.join("\n  ")}`);
  }
  const e = parsed.data;
  return {
    webhookPath: e.WEBHOOK_PATH,
    webhookSecret: e.WEBHOOK_SECRET || "development",
    gitlabUrl: e.GITLAB_URL.replace(/\/+$/, ""),
    gitlabToken: e.GITLAB_TOKEN || undefined,
    gitlabWebhookSecret: e.GITLAB_WEBHOOK_SECRET || undefined,
    cacheDir: path.resolve(e.MIRROR_CACHE_DIR),
    gitTimeoutMs: e.MIRROR_GIT_TIMEOUT_MS,
    retryAttempts: e.MIRROR_RETRY_ATTEMPTS,
    backupDays: e.MIRROR_BACKUP_DAYS,
    retryBaseMs: e.MIRROR_RETRY_BASE_MS,
    concurrency: e.MIRROR_CONCURRENCY,
    lfsCacheMb: e.MIRROR_LFS_CACHE_MB,
    // 0 in either turns pacing off: no job is ever held (as documented).
    ...(e.MIRROR_INTAKE_QUIET_MS > 0 && e.MIRROR_INTAKE_MAX_HOLD_MS > 0 && { intakePacing: { quietMs: e.MIRROR_INTAKE_QUIET_MS, maxHoldMs: e.MIRROR_INTAKE_MAX_HOLD_MS } }),
    redisUrl: e.REDIS_URL || undefined,
    queueLeaseMs: e.MIRROR_QUEUE_LEASE_MS,
    syncIntervalMs: e.MIRROR_SYNC_INTERVAL,
    publicUrl: e.MIRROR_PUBLIC_URL?.replace(/\/+$/, "") || undefined,
    gitlabNamespaces: (e.MIRROR_GITLAB_NAMESPACES ?? "")
      .split(",")
      .map((ns) =>
        ns
          .trim()
          .replace(/^\/+|\/+$/g, "")
          .toLowerCase(),
      )
      .filter(Boolean),
    allowPublishingPrivate: e.MIRROR_ALLOW_PUBLISHING_PRIVATE === "true",
    ...(e.MIRROR_ADMIN_TOKEN !== undefined && { adminToken: e.MIRROR_ADMIN_TOKEN }),
    metricsPublic: e.MIRROR_METRICS_PUBLIC,
    log: {
      level: e.LOG_LEVEL ?? "info",
      cliLevel: e.LOG_LEVEL ?? "warn",
      format: e.LOG_FORMAT ?? (e.NODE_ENV === "production" ? "json" : "pretty"),
      levelInString: e.LOG_LEVEL_IN_STRING,
    },
  };
}

/**
 * Secrets among the variables, registered for redaction before anything is parsed (a parse error
 * may quote a value) or logged. PRIVATE_KEY is Probot's, but the app's logs must not show it either.
 */
export const SECRET_VARIABLES = ["WEBHOOK_SECRET", "GITLAB_TOKEN", "GITLAB_WEBHOOK_SECRET", "MIRROR_ADMIN_TOKEN", "PRIVATE_KEY"] as const;

export function registerEnvSecrets(env: Record<string, string | undefined> = process.env): void {
  for (const name of SECRET_VARIABLES) registerSecret(env[name]?.trim(), "long-lived");
}

/**
 * Loads `.env` from the working directory into process.env the way Probot's run() does (the file
 * wins), but before the app parses its own variables: Probot's setup flow writes `.env`, and
 * operators add GITLAB_TOKEN and the rest to the same file.
 */
export function loadDotEnv(file = path.join(process.cwd(), ".env")): void {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  Object.assign(process.env, parseDotEnv(text));
}
