/**
 * Two REAL app processes sharing one real Redis (REDIS_URL), each with its own cache directory and
 * port, as two machines behind a load balancer would be. A burst of push deliveries spread over both
 * (some sent to both with the same delivery id): every ref ends right on GitLab, no repository ever
 * has two jobs at once, and each delivery is processed once. Then the replica that is in the middle
 * of a GitLab push is killed with SIGKILL, and the other one finishes the work.
 *
 * What ran where and when is read from the apps' own structured logs: the worker logs
 * "mirror job started" / "mirror job ended" (debug) with the repository and the delivery ids.
 *
 * @requires-system redis-server
 */
import path from "node:path";
import { Redis } from "ioredis";
import { basicAuthConfig, configEnv } from "../../sandbox/git.js";
import { git, startApp, startSandbox, waitFor, ZERO_SHA, type AppProcess, type Sandbox } from "../../sandbox/index.js";
import { closeAll } from "../helpers/close-all.js";
import { startRedis, type RedisServer } from "../helpers/redis-server.js";

/** Short, so a dead replica's job is taken over within seconds (BullMQ needs up to ~3 of these). */
const LEASE_MS = 1500;
const BOUND_MS = 30_000;
const REPOS = 6;
const COMMITS_PER_REPO = 5;

let redis: RedisServer;
let probe: Redis;
let sandbox: Sandbox;
let apps: Record<"a" | "b", AppProcess>;

beforeAll(async () => {
  // One after the other, and each kept as soon as it exists: whatever started is stopped by
  // afterAll even when the next fails to start (else its servers keep jest from exiting).
  redis = await startRedis();
  sandbox = await startSandbox();
  probe = new Redis(redis.url);
  const env = (name: string, extra: Record<string, string> = {}) =>
    sandbox.appEnv({
      REDIS_URL: redis.url,
      MIRROR_QUEUE_LEASE_MS: String(LEASE_MS),
      MIRROR_CACHE_DIR: path.join(sandbox.root, `cache-${name}`),
      MIRROR_RETRY_BASE_MS: "50",
      LOG_LEVEL: "debug",
      ...extra,
    });
  const portB = String(await sandbox.freePort());
  const [a, b] = await Promise.allSettled([startApp(env("a")), startApp(env("b", { PORT: portB }))]);
  apps = {} as typeof apps;
  if (a.status === "fulfilled") apps.a = a.value;
  if (b.status === "fulfilled") apps.b = b.value;
  for (const result of [a, b]) if (result.status === "rejected") throw result.reason;
  // Both start-up scans are done: a repository created from here on is known only once a replica reads its config.
  await Promise.all([apps.a, apps.b].map((app) => app.waitForLog((line) => line.includes("installations scanned"), BOUND_MS)));
});

afterAll(async () => {
  // SIGKILL: the queue is empty by then, and a graceful stop would wait for the check runs still being
  // written (Probot throttles GitHub writes), which this file does not test.
  await closeAll(
    () => Promise.all(Object.values(apps ?? {}).map((app) => app.kill("SIGKILL"))),
    () => probe?.quit(),
    () => sandbox?.close(),
    () => redis?.stop(),
  );
});

interface JobLine {
  replica: "a" | "b";
  event: "started" | "ended";
  time: number;
  repo: string;
  deliveries: string[];
}

function jobLines(): JobLine[] {
  const lines: JobLine[] = [];
  for (const [replica, app] of Object.entries(apps) as Array<["a" | "b", AppProcess]>) {
    for (const raw of app.logs()) {
      if (!raw.includes('"mirror job ')) continue;
      const line = JSON.parse(raw) as { msg: string; time: number; repo: string; deliveries: string[] };
      const event = line.msg === "mirror job started" ? "started" : line.msg === "mirror job ended" ? "ended" : null;
      if (event) lines.push({ replica, event, time: line.time, repo: line.repo, deliveries: line.deliveries });
    }
  }
  return lines;
}

/** Each replica's jobs as [start, end] per repository, in the order it logged them. */
function jobIntervals(lines: JobLine[]): Array<{ replica: string; repo: string; start: number; end: number | null }> {
  const intervals: Array<{ replica: string; repo: string; start: number; end: number | null }> = [];
  for (const line of lines) {
    if (line.event === "started") intervals.push({ replica: line.replica, repo: line.repo, start: line.time, end: null });
    else {
      const open = intervals.find((i) => i.replica === line.replica && i.repo === line.repo && i.end === null);
      if (!open) throw new Error(`"mirror job ended" without a start on ${line.replica} for ${line.repo}`);
      open.end = line.time;
    }
  }
  return intervals;
}

/** Nothing waiting or running on any replica (the queue's own bookkeeping in Redis). */
async function queueEmpty(): Promise<boolean> {
  const [pending, running] = await Promise.all([probe.hlen("mirror-bot:pending"), probe.hlen("mirror-bot:running")]);
  return pending + running === 0;
}

async function linkedRepo(name: string): Promise<{ repo: string; project: string }> {
  const project = `group/${name}`;
  await sandbox.gitlab.createProject({ path: project });
  const { fullName } = await sandbox.github.createRepo({ owner: "octo", name, files: { ".mirror.yml": `mirrors:\n  - gitlab: ${project}\n` } });
  return { repo: fullName, project };
}

it("shares a burst of deliveries between two replicas: every ref right, one job per repository at a time, each delivery once", async () => {
  const pairs = await Promise.all(Array.from({ length: REPOS }, (_, i) => linkedRepo(`burst${i}`)));
  // Commits alternate between main and a topic branch; every commit is its own push.
  const pushes = await Promise.all(
    pairs.map(async ({ repo }) => {
      const made = [];
      for (let c = 0; c < COMMITS_PER_REPO; c++) {
        const branch = c % 2 === 0 ? "main" : "topic";
        made.push({ repo, push: await sandbox.github.commitAndPush(repo, { branch, files: { [`f${c}.txt`]: `commit ${c}` } }) });
      }
      return made;
    }),
  );
  // Interleave the repositories, as deliveries from many repositories would arrive.
  const deliveries = Array.from({ length: COMMITS_PER_REPO }, (_, c) => pushes.map((made) => made[c]!)).flat();

  const results = await Promise.all(
    deliveries.map(async ({ repo, push }, i) => {
      const deliveryId = `burst-${i}`;
      const payload = sandbox.github.pushEvent(repo, { ref: push.ref, before: push.before, after: push.after });
      const first = i % 2 === 0 ? apps.a : apps.b;
      const targets = i % 3 === 0 ? [apps.a, apps.b] : [first]; // a redelivery that reaches the other replica too
      return Promise.all(targets.map((app) => sandbox.github.deliver(app.webhookUrl, "push", payload, { deliveryId })));
    }),
  );
  expect(results.flat().map((r) => r.status)).toEqual(results.flat().map(() => 200));

  for (const made of pushes) {
    const expected = new Map(made.map(({ push }) => [push.ref, push.after])); // the last push of each ref wins
    const { project } = pairs[pushes.indexOf(made)]!;
    await waitFor(
      async () => {
        const refs = await sandbox.gitlab.refs(project);
        return [...expected].every(([ref, sha]) => refs.get(ref) === sha);
      },
      { timeoutMs: BOUND_MS, what: `every ref of ${project} right on GitLab` },
    );
  }
  await waitFor(queueEmpty, { timeoutMs: BOUND_MS, what: "no job waiting or running in Redis" });

  const lines = jobLines();
  const intervals = jobIntervals(lines);
  expect(intervals.filter((i) => i.end === null)).toEqual([]);
  // Both replicas took part.
  expect(new Set(intervals.map((i) => i.replica))).toEqual(new Set(["a", "b"]));
  // No overlap: per repository, each job starts after the previous one (on either replica) ended.
  const overlaps: string[] = [];
  for (const { repo } of pairs) {
    const jobs = intervals.filter((i) => i.repo === repo).sort((x, y) => x.start - y.start);
    expect(jobs.length).toBeGreaterThan(0);
    for (let k = 1; k < jobs.length; k++) {
      if (jobs[k]!.start < jobs[k - 1]!.end!) overlaps.push(`${repo}: ${JSON.stringify(jobs[k - 1])} overlaps ${JSON.stringify(jobs[k])}`);
    }
  }
  expect(overlaps).toEqual([]);
  // Each delivery in exactly one finished job, across both replicas.
  const ended = lines.filter((l) => l.event === "ended").flatMap((l) => l.deliveries);
  const counts = new Map<string, number>();
  for (const id of ended) counts.set(id, (counts.get(id) ?? 0) + 1);
  expect(deliveries.map((_, i) => [`burst-${i}`, counts.get(`burst-${i}`) ?? 0])).toEqual(deliveries.map((_, i) => [`burst-${i}`, 1]));
  expect(sandbox.gitlab.errors).toEqual([]);
  expect(sandbox.github.errors).toEqual([]);
});

it("routes a GitLab push on the replica that never read the config: the index is shared through Redis, without a rescan", async () => {
  const project = await sandbox.gitlab.createProject({ path: "group/shared-index", visibility: "public" });
  const { fullName: repo, bareDir } = await sandbox.github.createRepo({
    owner: "octo",
    name: "shared-index",
    files: { ".mirror.yml": `mirrors:\n  - gitlab: ${project.path}\n    direction: pull\n` },
  });
  await git(["push", "--quiet", project.httpUrl, "refs/heads/main:refs/heads/main"], { cwd: bareDir, env: configEnv([basicAuthConfig("oauth2", sandbox.gitlabToken)]) });
  const main = (await sandbox.github.refs(repo)).get("refs/heads/main")!;
  // A GitHub push: whichever replica runs its job reads the config.
  const payload = sandbox.github.pushEvent(repo, { ref: "refs/heads/main", before: ZERO_SHA, after: main });
  expect((await sandbox.github.deliver(apps.a.webhookUrl, "push", payload, { deliveryId: "shared-index-1" })).status).toBe(200);
  await waitFor(() => jobLines().some((l) => l.event === "ended" && l.deliveries.includes("shared-index-1")), { timeoutMs: BOUND_MS, what: "the job that reads the config" });
  const reader = jobLines().find((l) => l.deliveries.includes("shared-index-1"))!.replica;
  const other = apps[reader === "a" ? "b" : "a"];
  const scansBefore = sandbox.github.requests.filter((r) => r.path.includes("/installation/repositories")).length;

  // GitLab's push reaches the other replica, which never read this repository's config.
  const pushed = await sandbox.gitlab.commitAndPush(project.path, { branch: "main", files: { "from-gitlab.txt": "hi" } });
  const hook = sandbox.gitlab.gitlabPushEvent(project.path, { ref: "refs/heads/main", before: pushed.before, after: pushed.after, commits: [{ id: pushed.after, message: "hi" }] });
  const answer = await sandbox.gitlab.deliverGitLab(`${other.url}/api/gitlab/webhooks`, "Push Hook", hook);
  expect([answer.status, JSON.parse(answer.body)]).toEqual([200, { outcome: "queued" }]); // known at once: no rescan
  await waitFor(async () => (await sandbox.github.refs(repo)).get("refs/heads/main") === pushed.after, { timeoutMs: BOUND_MS, what: "the GitLab commit on GitHub" });
  expect(sandbox.github.requests.filter((r) => r.path.includes("/installation/repositories")).length).toBe(scansBefore);
  await waitFor(queueEmpty, { timeoutMs: BOUND_MS, what: "no job waiting or running in Redis" });
});

it("finishes the work of a replica killed with SIGKILL in the middle of a GitLab push", async () => {
  const { repo, project } = await linkedRepo("killed");
  const push = await sandbox.github.commitAndPush(repo, { branch: "main", files: { "k.txt": "kill" } });
  const hold = sandbox.gitlab.holdNextPush(project);
  const deliveryId = "kill-1";
  const payload = sandbox.github.pushEvent(repo, { ref: push.ref, before: push.before, after: push.after });
  expect((await sandbox.github.deliver(apps.a.webhookUrl, "push", payload, { deliveryId })).status).toBe(200);

  let reached = false;
  void hold.reached.then(() => (reached = true));
  await waitFor(() => reached, { timeoutMs: BOUND_MS, what: "the mirror's push to reach GitLab" });
  // Whichever replica runs the repository's job is the one pushing (the delivery's job, or a
  // start-up reconciliation the delivery was merged into): kill it mid-push, then let the push go on.
  const running = jobIntervals(jobLines()).filter((i) => i.repo === repo && i.end === null);
  expect(running).toHaveLength(1);
  const victim = running[0]!.replica as "a" | "b";
  const survivor = victim === "a" ? "b" : "a";
  await apps[victim].kill("SIGKILL");
  expect((await sandbox.gitlab.refs(project)).get("refs/heads/main")).not.toBe(push.after); // the held push has not landed
  hold.release();

  await waitFor(() => jobLines().some((l) => l.replica === survivor && l.event === "ended" && l.deliveries.includes(deliveryId)), {
    timeoutMs: BOUND_MS,
    what: `replica ${survivor} to finish the killed replica's job`,
  });
  await waitFor(async () => (await sandbox.gitlab.refs(project)).get("refs/heads/main") === push.after, { timeoutMs: BOUND_MS, what: "main right on GitLab" });
  await waitFor(queueEmpty, { timeoutMs: BOUND_MS, what: "no job waiting or running in Redis" });
});
