import http from "node:http";
import { pino } from "pino";
import type { AddressInfo } from "node:net";
import type { MirrorConfig } from "../../../src/config/schema.js";
import { createGitLabWebhookHandler, tokenMatches } from "../../../src/handlers/gitlab-push.js";
import { HookRegistrar } from "../../../src/gitlab/hooks.js";
import { MirrorIndex, type IndexedRepository } from "../../../src/index/mirror-index.js";
import { ProjectLinks } from "../../../src/index/project-links.js";
import { BackgroundTasks } from "../../../src/worker/background.js";
import { MemoryJobQueue } from "../../../src/queue/memory-queue.js";
import { gitlabTargetsOf, mergeJobs, reportTargetsOf, type MirrorJob } from "../../../src/worker/mirror-job.js";
import { deliverGitLabWebhook } from "../../../sandbox/webhook-delivery.js";
import { mirrorConfig } from "../../helpers/mirror-config.js";

const notCalled = async (): Promise<never> => {
  throw new Error("this test must not reach GitLab's hooks API");
};

const SECRET = "glwhs-unit-test-secret";
const SHA = "a".repeat(40);
const mirror = (gitlab: string | number, direction: MirrorConfig["direction"]) => mirrorConfig({ gitlab, direction });

const payload = (over: Record<string, unknown> = {}) => ({
  object_kind: "push",
  project_id: 42,
  project: { path_with_namespace: "Group/Proj" },
  ref: "refs/heads/main",
  before: "0".repeat(40),
  after: SHA,
  ...over,
});

let server: http.Server;
let url: string;
let jobs: MirrorJob[];
let queue: MemoryJobQueue<MirrorJob>;
const logs: string[] = [];
/** The rescan's view of GitHub: configs the index has not read yet, read by the next rescan. */
let unread: IndexedRepository[];
let rescans: number;
let removedHooks: Array<string | number>;
let clock: number;
let background: BackgroundTasks;

beforeEach(async () => {
  jobs = [];
  logs.length = 0;
  unread = [];
  rescans = 0;
  removedHooks = [];
  clock = 1_000_000;
  background = new BackgroundTasks(pino({ level: "silent" }));
  queue = new MemoryJobQueue<MirrorJob>(mergeJobs, 1);
  const index = new MirrorIndex();
  await index.set({ installationId: 7, owner: "octo", repo: "pulls", mirrors: [mirror("group/proj", "pull")] });
  await index.set({ installationId: 7, owner: "octo", repo: "both", mirrors: [mirror(42, "both")] });
  await index.set({ installationId: 7, owner: "octo", repo: "pushes", mirrors: [mirror("group/proj", "push")] });
  const log = { info: (o: any, m?: string) => logs.push(`${m ?? ""} ${o?.reason ?? ""}`), warn: (_o: unknown, m?: string) => logs.push(m ?? String(_o)), debug: () => undefined };
  const hooks = new HookRegistrar(
    { removeProjectHooks: async (project) => (removedHooks.push(project), 1), ensureProjectHook: notCalled },
    { publicUrl: "https://bot.example", secret: SECRET },
  );
  const rescan = async () => {
    rescans++;
    for (const entry of unread.splice(0)) await index.set(entry);
    return { complete: true };
  };
  const links = new ProjectLinks({ index, rescan, hooks, log, now: () => clock });
  const handler = createGitLabWebhookHandler({ secret: SECRET, links, background, queue: { enqueue: async (job) => (jobs.push(job), queue.enqueue(job)) }, log });
  server = http.createServer(async (req, res) => {
    if (!(await handler(req, res))) res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/gitlab/webhooks`;
});

afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe("GitLab webhook route", () => {
  it("enqueues one job per GitHub repository that pulls from the project, with the GitLab commit as report target", async () => {
    const answer = await deliverGitLabWebhook(url, "Push Hook", payload(), { token: SECRET, eventUuid: "uuid-1" });
    expect(answer.status).toBe(200);
    expect(jobs.map((j) => [j.key, j.installationId, j.deliveryIds, gitlabTargetsOf(j)])).toEqual([
      ["octo/pulls", 7, ["gitlab:uuid-1:octo/pulls"], [{ projectId: 42, ref: "refs/heads/main", sha: SHA }]],
      ["octo/both", 7, ["gitlab:uuid-1:octo/both"], [{ projectId: 42, ref: "refs/heads/main", sha: SHA }]],
    ]);
    expect(jobs.every((j) => reportTargetsOf(j).length === 0)).toBe(true);
  });

  it("handles tag pushes and deletions (a deletion syncs but has no commit to report on)", async () => {
    await deliverGitLabWebhook(url, "Tag Push Hook", payload({ ref: "refs/tags/v1" }), { token: SECRET });
    await deliverGitLabWebhook(url, "Push Hook", payload({ after: "0".repeat(40), ref: "refs/heads/gone" }), { token: SECRET });
    expect(jobs).toHaveLength(4);
    expect(gitlabTargetsOf(jobs[0]!)).toEqual([{ projectId: 42, ref: "refs/tags/v1", sha: SHA }]);
    expect(gitlabTargetsOf(jobs[2]!)).toEqual([]);
  });

  it.each([
    ["a wrong token", "nope"],
    ["no token", undefined],
    ["a token that only shares a prefix", SECRET.slice(0, -1)],
  ])("answers 401 to %s and enqueues nothing", async (_what, token) => {
    const answer = await deliverGitLabWebhook(url, "Push Hook", payload(), { token });
    expect(answer.status).toBe(401);
    expect(jobs).toEqual([]);
  });

  it("acknowledges other events, drops pushes for unlinked projects after a rescan, and de-duplicates by event UUID", async () => {
    const note = await deliverGitLabWebhook(url, "Note Hook", { object_kind: "note" }, { token: SECRET });
    expect([note.status, JSON.parse(note.body)]).toEqual([200, { outcome: "ignored" }]);
    const unlinked = await deliverGitLabWebhook(url, "Push Hook", payload({ project_id: 9, project: { path_with_namespace: "x/y" } }), { token: SECRET });
    expect([unlinked.status, JSON.parse(unlinked.body)]).toEqual([200, { outcome: "checking" }]);
    await background.drain();
    expect(logs).toContainEqual(
      expect.stringMatching(/^GitLab push dropped: no repository pulls from it \(rescanned every installation's configs\); the app's webhook on it was deleted/),
    );
    expect([rescans, removedHooks]).toEqual([1, [9]]);
    expect(jobs).toEqual([]);
    await deliverGitLabWebhook(url, "Push Hook", payload(), { token: SECRET, eventUuid: "same" });
    const again = await deliverGitLabWebhook(url, "Push Hook", payload(), { token: SECRET, eventUuid: "same" });
    expect(JSON.parse(again.body)).toEqual({ outcome: "duplicate,duplicate" });
  });

  it("refuses everything when no secret is configured, and only answers its own path", async () => {
    const links = new ProjectLinks({
      index: new MirrorIndex(),
      rescan: async () => ({ complete: true }),
      hooks: new HookRegistrar({ ensureProjectHook: notCalled, removeProjectHooks: notCalled }, {}),
      log: { info: () => 0, warn: () => 0, debug: () => 0 } as never,
    });
    const handler = createGitLabWebhookHandler({
      secret: undefined,
      links,
      background,
      queue: { enqueue: async () => "queued" },
      log: { info: () => 0, warn: () => 0, debug: () => 0 } as never,
    });
    const other = http.createServer(async (req, res) => {
      if (!(await handler(req, res))) res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    try {
      expect((await deliverGitLabWebhook(`${base}/api/gitlab/webhooks`, "Push Hook", payload(), { token: "" })).status).toBe(401);
      expect((await deliverGitLabWebhook(`${base}/elsewhere`, "Push Hook", payload(), { token: SECRET })).status).toBe(404);
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it("rescans the configs on a miss and enqueues for a repository the index had not read", async () => {
    unread.push({ installationId: 8, owner: "octo", repo: "late", mirrors: [mirror("team/new", "pull")] });
    const answer = await deliverGitLabWebhook(url, "Push Hook", payload({ project_id: 77, project: { path_with_namespace: "Team/New" } }), { token: SECRET, eventUuid: "late-1" });
    expect(JSON.parse(answer.body)).toEqual({ outcome: "checking" });
    await background.drain();
    expect(jobs.map((j) => [j.key, j.installationId, j.deliveryIds])).toEqual([["octo/late", 8, ["gitlab:late-1:octo/late"]]]);
    expect([rescans, removedHooks]).toEqual([1, []]);
  });

  it("rescans for the same project at most once every 10 s, and logs each drop with its reason", async () => {
    const stale = payload({ project_id: 5, project: { path_with_namespace: "old/gone" } });
    await deliverGitLabWebhook(url, "Push Hook", stale, { token: SECRET });
    await background.drain();
    clock += 9_999;
    unread.push({ installationId: 8, owner: "octo", repo: "later", mirrors: [mirror(5, "both")] }); // not read: within the window
    await deliverGitLabWebhook(url, "Push Hook", stale, { token: SECRET });
    await background.drain();
    expect([rescans, jobs]).toEqual([1, []]);
    expect(logs.filter((l) => l.startsWith("GitLab push dropped"))).toEqual([
      expect.stringContaining("rescanned every installation's configs"),
      expect.stringContaining("the configs were rescanned less than 10 s ago"),
    ]);
    // Another project is not held back by this one's window.
    await deliverGitLabWebhook(url, "Push Hook", payload({ project_id: 6, project: { path_with_namespace: "other/p" } }), { token: SECRET });
    await background.drain();
    expect(rescans).toBe(2);
    await deliverGitLabWebhook(url, "Push Hook", stale, { token: SECRET }); // that rescan read it: project 5 is known now
    expect([rescans, jobs.map((j) => j.key)]).toEqual([2, ["octo/later"]]);
    jobs.length = 0;
    clock += 1;
    unread.push({ installationId: 8, owner: "octo", repo: "latest", mirrors: [mirror("old/gone", "pull")] });
    await deliverGitLabWebhook(url, "Push Hook", payload({ project_id: 500, project: { path_with_namespace: "Old/Gone" } }), { token: SECRET });
    await background.drain();
    expect([rescans, jobs.map((j) => j.key)]).toEqual([3, ["octo/latest"]]); // 10 s later: rescanned again
  });

  it("compares tokens whatever their length", () => {
    expect(tokenMatches(SECRET, SECRET)).toBe(true);
    expect(tokenMatches(`${SECRET}x`, SECRET)).toBe(false);
    expect(tokenMatches("", SECRET)).toBe(false);
    expect(tokenMatches(undefined, SECRET)).toBe(false);
    expect(tokenMatches("", undefined)).toBe(false);
  });
});
