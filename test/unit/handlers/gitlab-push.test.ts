import http from "node:http";
import type { AddressInfo } from "node:net";
import type { MirrorConfig } from "../../../src/config/schema.js";
import { createGitLabWebhookHandler, tokenMatches } from "../../../src/handlers/gitlab-push.js";
import { MirrorIndex } from "../../../src/index/mirror-index.js";
import { MemoryJobQueue } from "../../../src/queue/memory-queue.js";
import type { MirrorJob } from "../../../src/worker/mirror-job.js";
import { deliverGitLabWebhook } from "../../../sandbox/webhook-delivery.js";

const SECRET = "glwhs-unit-test-secret";
const SHA = "a".repeat(40);
const mirror = (gitlab: string | number, direction: MirrorConfig["direction"]): MirrorConfig => ({
  gitlab, direction, branches: null, tags: true, prune: true, force: false, notify: "issue", create: false,
} as MirrorConfig);

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
let queue: MemoryJobQueue;
const logs: string[] = [];

beforeEach(async () => {
  jobs = [];
  logs.length = 0;
  queue = new MemoryJobQueue(1);
  const index = new MirrorIndex();
  index.set({ installationId: 7, owner: "octo", repo: "pulls", mirrors: [mirror("group/proj", "pull")] });
  index.set({ installationId: 7, owner: "octo", repo: "both", mirrors: [mirror(42, "both")] });
  index.set({ installationId: 7, owner: "octo", repo: "pushes", mirrors: [mirror("group/proj", "push")] });
  const log = { info: (_o: unknown, m?: string) => logs.push(m ?? ""), warn: (_o: unknown, m?: string) => logs.push(m ?? String(_o)), debug: () => undefined };
  const handler = createGitLabWebhookHandler({ secret: SECRET, index, queue: { enqueue: async (job) => (jobs.push(job), queue.enqueue(job)) }, log });
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
    expect(jobs.map((j) => [j.key, j.installationId, j.deliveryIds, j.gitlabTargets])).toEqual([
      ["octo/pulls", 7, ["gitlab:uuid-1:octo/pulls"], [{ projectId: 42, ref: "refs/heads/main", sha: SHA }]],
      ["octo/both", 7, ["gitlab:uuid-1:octo/both"], [{ projectId: 42, ref: "refs/heads/main", sha: SHA }]],
    ]);
    expect(jobs.every((j) => j.reportTargets.length === 0)).toBe(true);
  });

  it("handles tag pushes and deletions (a deletion syncs but has no commit to report on)", async () => {
    await deliverGitLabWebhook(url, "Tag Push Hook", payload({ ref: "refs/tags/v1" }), { token: SECRET });
    await deliverGitLabWebhook(url, "Push Hook", payload({ after: "0".repeat(40), ref: "refs/heads/gone" }), { token: SECRET });
    expect(jobs).toHaveLength(4);
    expect(jobs[0]!.gitlabTargets).toEqual([{ projectId: 42, ref: "refs/tags/v1", sha: SHA }]);
    expect(jobs[2]!.gitlabTargets).toBeUndefined();
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

  it("acknowledges other events, drops pushes for unlinked projects, and de-duplicates by event UUID", async () => {
    const note = await deliverGitLabWebhook(url, "Note Hook", { object_kind: "note" }, { token: SECRET });
    expect([note.status, JSON.parse(note.body)]).toEqual([200, { outcome: "ignored" }]);
    const unlinked = await deliverGitLabWebhook(url, "Push Hook", payload({ project_id: 9, project: { path_with_namespace: "x/y" } }), { token: SECRET });
    expect([unlinked.status, JSON.parse(unlinked.body)]).toEqual([200, { outcome: "not linked" }]);
    expect(logs.some((l) => l.includes("no repository pulls from"))).toBe(true);
    expect(jobs).toEqual([]);
    await deliverGitLabWebhook(url, "Push Hook", payload(), { token: SECRET, eventUuid: "same" });
    const again = await deliverGitLabWebhook(url, "Push Hook", payload(), { token: SECRET, eventUuid: "same" });
    expect(JSON.parse(again.body)).toEqual({ outcome: "duplicate,duplicate" });
  });

  it("refuses everything when no secret is configured, and only answers its own path", async () => {
    const handler = createGitLabWebhookHandler({ secret: undefined, index: new MirrorIndex(), queue: { enqueue: async () => "queued" }, log: { info: () => 0, warn: () => 0, debug: () => 0 } as never });
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

  it("compares tokens whatever their length", () => {
    expect(tokenMatches(SECRET, SECRET)).toBe(true);
    expect(tokenMatches(`${SECRET}x`, SECRET)).toBe(false);
    expect(tokenMatches("", SECRET)).toBe(false);
    expect(tokenMatches(undefined, SECRET)).toBe(false);
    expect(tokenMatches("", undefined)).toBe(false);
  });
});
