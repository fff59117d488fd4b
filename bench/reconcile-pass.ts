/**
 * The reconciliation pass, run in a process of its own so its peak memory is its own: the app's
 * modules as the app wires them (createSyncServices: the scheduler, reconcileRepository with the
 * repository cache; Probot's Octokit with its token cache; the GitLab client), against the
 * sandbox the parent (bench/reconcile.ts) runs. It scans the installation into the index as the
 * app does at start, then runs passes over every indexed repository when the parent says so,
 * each `requestAll` + `settled()`: all repositories due at once, at the app's concurrency. Before
 * every pass but the first, the GitLab project cache is emptied, as an hour's interval would.
 *
 * Messages (IPC): → { kind: "scanned", repositories } · ← "pass" · → { kind: "passed", ms, queued }
 * · ← "exit" · → { kind: "memory", hwmMb }. Environment: the sandbox's appEnv plus INSTALLATION_ID.
 */
import { readFile } from "node:fs/promises";
import { pino } from "pino";
import { Probot } from "probot";
import { parseEnv } from "../src/env.js";
import { createGitLabClient } from "../src/gitlab/client.js";
import { installationOctokit } from "../src/github/token-renewal.js";
import { MirrorIndex } from "../src/index/mirror-index.js";
import { scanInstallation } from "../src/index/scan-installations.js";
import { MemoryCacheVersions } from "../src/records/cache-versions.js";
import { ConfigCache } from "../src/worker/config-cache.js";
import type { MirrorQueue } from "../src/worker/mirror-job.js";
import { createSyncServices } from "../src/sync/services.js";

const env = parseEnv(process.env);
// Info: a drift found (which an unchanged installation must not have) says what differed, on stderr.
const log = pino({ level: "info" }, pino.destination(2));
const installationId = Number(process.env.INSTALLATION_ID);
const probot = new Probot({ appId: Number(process.env.APP_ID), privateKey: process.env.PRIVATE_KEY!, baseUrl: `http://${process.env.GHE_HOST}/api/v3`, log: log as never });
const getOctokit = (id: number) => installationOctokit(probot, id);
const gitlab = createGitLabClient({ url: env.gitlabUrl, token: env.gitlabToken, retry: { attempts: env.retryAttempts, baseMs: env.retryBaseMs } });
const index = new MirrorIndex();
let queued = 0;
// An unchanged installation queues no sync; any it would queue is counted, not run.
const queue = { enqueue: async () => (queued++, "queued" as const) } as unknown as MirrorQueue;
// The scan reads every .mirror.yml into the config cache, as the app's does.
const configs = new ConfigCache({ versions: new MemoryCacheVersions(), getOctokit, log });
const sync = createSyncServices({ env, log, getOctokit, gitlab, queue, index, configs });

const send = (message: object) => new Promise<void>((resolve) => process.send!(message, () => resolve()));
const next = () => new Promise<string>((resolve) => process.once("message", (m) => resolve(String(m))));

const scanned = await scanInstallation(await getOctokit(installationId), installationId, { index, configs, allowedGitLabUrl: env.gitlabUrl, log });
await send({ kind: "scanned", repositories: scanned.length });
let passes = 0;
while ((await next()) === "pass") {
  // Passes here follow each other at once; an hour apart, every cached GitLab project (5 min) has expired.
  if (passes++ > 0) for (const entry of index.all()) for (const mirror of entry.mirrors) gitlab.forgetProject(mirror.gitlab);
  queued = 0;
  const started = performance.now();
  sync.scheduler.requestAll("interval");
  await sync.scheduler.settled();
  await send({ kind: "passed", ms: performance.now() - started, queued });
}
const status = await readFile("/proc/self/status", "utf8").catch(() => "");
await send({ kind: "memory", hwmMb: Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN) / 1024 });
await sync.stop();
process.exit(0);
