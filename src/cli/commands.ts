/** The CLI's two commands, on the worker's and reconciliation's own code (no second implementation). */
import type { MirrorRequest, MirrorResult } from "../mirror/types.js";
import { MemoryStatusStore } from "../status/memory-store.js";
import { createFollowUp } from "../sync/follow-up.js";
import { findDrift } from "../sync/reconcile.js";
import { syncJob } from "../worker/mirror-job.js";
import { BackgroundTasks } from "../worker/background.js";
import { CONFIG_FILE, loadConfig } from "../worker/config-check.js";
import { runMirrorJob } from "../worker/run-mirror-job.js";
import { createWorkerDeps } from "../worker/deps.js";
import { createAgreedStore } from "../records/agreed-store.js";
import type { CliContext } from "./context.js";

const short = (sha: string | null) => (sha ? sha.slice(0, 7) : "-");

/** One full sync, exactly as "Sync now" runs it (check runs included); prints each mirror's outcome. */
export async function runSync(ctx: CliContext, engine: (req: MirrorRequest) => Promise<MirrorResult>): Promise<number> {
  const results: MirrorResult[] = [];
  const store = new MemoryStatusStore();
  const background = new BackgroundTasks(ctx.log.child({ repo: `${ctx.owner}/${ctx.repo}` }));
  // The app's own agreement records (Redis when REDIS_URL is set), so the CLI judges as the app does.
  const agreed = await createAgreedStore(ctx.env, ctx.log);
  try {
    const deps = createWorkerDeps({
      env: ctx.env,
      log: ctx.log,
      getOctokit: async () => ctx.octokit,
      gitlab: ctx.gitlab,
      mirrorRefs: async (req) => {
        const result = await engine(req);
        results.push(result);
        return result;
      },
      background,
      status: store,
      followUp: createFollowUp({ log: ctx.log, gitlab: ctx.gitlab, gitTimeoutMs: ctx.env.gitTimeoutMs }),
      agreed,
    });
    await runMirrorJob(syncJob({ installationId: ctx.installationId, owner: ctx.owner, repo: ctx.repo }, "cli"), deps);
    await background.drain();
  } finally {
    await agreed.close?.();
  }
  const records = await store.list();
  if (records.length === 0) {
    ctx.print(`${ctx.owner}/${ctx.repo}: nothing to sync (no valid ${CONFIG_FILE} with a mirror on the default branch, nor an org-wide one)`);
    return 1;
  }
  for (const record of records) {
    ctx.print(`${ctx.owner}/${ctx.repo} → ${record.target}: ${record.lastResult} — ${record.lastTitle}`);
  }
  for (const result of results) {
    for (const change of result.changes) ctx.print(`  ${change.action} ${change.ref} ${short(change.oldSha)} → ${short(change.newSha)}`);
    for (const refusal of result.refusals) ctx.print(`  refused ${refusal.ref}: ${refusal.reason} (GitHub ${short(refusal.sourceSha)}, GitLab ${short(refusal.targetSha)})`);
  }
  return records.every((r) => r.lastResult === "success") ? 0 : 1;
}

/** Compares both sides with one ls-remote each; changes nothing. Exit 0 in sync, 1 otherwise. */
export async function runStatus(ctx: CliContext): Promise<number> {
  const reading = await loadConfig(ctx.octokit, { owner: ctx.owner, repo: ctx.repo }, undefined, ctx.env.gitlabUrl);
  if (reading.kind === "absent") {
    ctx.print(`${ctx.owner}/${ctx.repo}: no ${CONFIG_FILE} (nor an org-wide one): not mirrored`);
    return 1;
  }
  if (reading.kind === "invalid") {
    ctx.print(`${ctx.owner}/${ctx.repo}: ${CONFIG_FILE} is invalid:`);
    for (const problem of reading.problems) ctx.print(`  ${problem}`);
    return 1;
  }
  const entry = { installationId: ctx.installationId, owner: ctx.owner, repo: ctx.repo, mirrors: reading.config.mirrors };
  const drift = await findDrift(entry, { env: ctx.env, log: ctx.log, getOctokit: async () => ctx.octokit, gitlab: ctx.gitlab, queue: { enqueue: async () => "closed" } });
  for (const d of drift) {
    if (d.error) ctx.print(`${ctx.owner}/${ctx.repo} → ${d.target}: cannot compare: ${d.error}`);
    else if (d.differing.length === 0) ctx.print(`${ctx.owner}/${ctx.repo} → ${d.target}: in sync`);
    else ctx.print(`${ctx.owner}/${ctx.repo} → ${d.target}: ${d.differing.length} ref(s) differ: ${d.differing.join(", ")}`);
  }
  return drift.every((d) => !d.error && d.differing.length === 0) ? 0 : 1;
}
