/**
 * A replica in its own process, for the test that kills one mid-job:
 *   node redis-worker.mjs <redis url> <prefix> <lockTtlMs>
 * Runs a RedisJobQueue worker whose handler prints {"started": job} on stdout and then never
 * finishes, so the job is running when the test sends SIGKILL.
 */
import { register } from "node:module";

register("./ts-hooks.mjs", import.meta.url);
const { RedisJobQueue } = await import("../../../src/queue/redis-queue.ts");
const { mergeJobs } = await import("../../../src/worker/mirror-job.ts");

const [url, prefix, lockTtlMs] = process.argv.slice(2);
const queue = await RedisJobQueue.connect({ merge: mergeJobs, url, prefix, lockTtlMs: Number(lockTtlMs), concurrency: 1 });
queue.start((job) => {
  process.stdout.write(JSON.stringify({ started: job }) + "\n");
  return new Promise(() => {}); // busy until killed
});
process.stdout.write(JSON.stringify({ ready: true }) + "\n");
