/** "Sync now" and installation events through probot.receive: the right jobs, the right scans. */
import { generateKeyPairSync } from "node:crypto";
import nock from "nock";
import { pino } from "pino";
import { Probot, ProbotOctokit } from "probot";
import { handleInstallationDeleted, handleRepositoriesAdded, handleRepositoriesRemoved } from "../../../src/handlers/installation.js";
import { handleRequestedAction } from "../../../src/handlers/requested-action.js";
import { MirrorIndex } from "../../../src/index/mirror-index.js";
import type { EnqueueOutcome, JobQueue } from "../../../src/queue/job-queue.js";
import { MemoryCacheVersions } from "../../../src/records/cache-versions.js";
import type { GitHubClient } from "../../../src/github/types.js";
import { ConfigCache } from "../../../src/worker/config-cache.js";
import { isDrop, reportsChanges, reportTargetsOf, triggerOf, type MirrorJob } from "../../../src/worker/mirror-job.js";
import { example } from "../../helpers/examples.js";
import { mirrorConfig } from "../../helpers/mirror-config.js";

const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});
const mirror = mirrorConfig({ gitlab: "g/p", direction: "push" });
/** Where the installation scans read `.mirror.yml`; an Octokit that cannot ask GitHub shows which reads it served. */
const newConfigCache = () => new ConfigCache({ versions: new MemoryCacheVersions(), getOctokit: async () => ({}) as GitHubClient, log: pino({ level: "silent" }) });

class RecordingQueue implements JobQueue<MirrorJob> {
  jobs: MirrorJob[] = [];
  async enqueue(job: MirrorJob): Promise<EnqueueOutcome> {
    this.jobs.push(job);
    return "queued";
  }
  start() {}
  async size() {
    return this.jobs.length;
  }
  async idle() {}
  async close() {}
}

function probotWith(load: (app: Probot) => void): Probot {
  const probot = new Probot({ appId: 123, privateKey, Octokit: ProbotOctokit.defaults({ retry: { enabled: false }, throttle: { enabled: false } }) });
  probot.load(load);
  return probot;
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});
// nock patches Node's http globally, and jest shares core modules across files in a worker: undo it.
afterAll(() => {
  nock.enableNetConnect();
  nock.restore();
});

describe("Sync now", () => {
  const payload = (identifier: string, name = "GitLab mirror (g/p)") => {
    const p = example("check_run", (e) => e.action === "requested_action" || e.action === "rerequested");
    Object.assign(p, { action: "requested_action", requested_action: { identifier }, installation: { id: 42 } });
    p.check_run.name = name;
    return p;
  };

  it("queues a full sync that reports on the pressed commit and on what changed", async () => {
    const queue = new RecordingQueue();
    const p = payload("sync_now");
    await probotWith((app) => app.on("check_run.requested_action", handleRequestedAction(queue))).receive({ id: "d-sync", name: "check_run", payload: p } as any);
    expect(queue.jobs).toEqual([
      expect.objectContaining({
        key: `${p.repository.owner.login}/${p.repository.name}`.toLowerCase(),
        installationId: 42,
        deliveryIds: ["d-sync"],
      }),
    ]);
    expect(reportsChanges(queue.jobs[0]!)).toBe(true);
    expect(triggerOf(queue.jobs[0]!)).toBe("sync-now");
    expect(reportTargetsOf(queue.jobs[0]!)).toEqual([{ ref: `refs/heads/${p.check_run.check_suite.head_branch}`, sha: p.check_run.head_sha }]);
  });

  it.each([
    ["another action", payload("something_else")],
    ["another app's check", payload("sync_now", "CI / build")],
  ])("ignores %s", async (_name, p) => {
    const queue = new RecordingQueue();
    await probotWith((app) => app.on("check_run.requested_action", handleRequestedAction(queue))).receive({ id: "d-x", name: "check_run", payload: p } as any);
    expect(queue.jobs).toEqual([]);
  });
});

describe("installation events", () => {
  it("syncs added repositories that have a config at once, and not the others; the first sync finds the config in the cache", async () => {
    const queue = new RecordingQueue();
    const index = new MirrorIndex();
    const configs = newConfigCache();
    const p = example("installation_repositories", (e) => e.action === "added");
    const [first] = p.repositories_added;
    const [owner, repo] = first.full_name.split("/");
    p.repositories_added = [first, { ...first, id: 2, name: "plain", full_name: `${owner}/plain` }];
    const repoJson = (name: string) => ({
      name,
      full_name: `${owner}/${name}`,
      owner: { login: owner },
      archived: false,
      default_branch: "main",
      clone_url: `https://github.com/${owner}/${name}.git`,
      html_url: "x",
      private: true,
      visibility: "private",
    });
    nock("https://api.github.com")
      .post(`/app/installations/${p.installation.id}/access_tokens`)
      .reply(201, { token: "ghs_test", expires_at: new Date(Date.now() + 3_600_000).toISOString() })
      .get("/installation/repositories")
      .query(true)
      .reply(200, { total_count: 3, repositories: [repoJson(repo), repoJson("plain"), repoJson("not-added")] })
      .get(`/repos/${owner}/${repo}/contents/.mirror.yml`)
      .reply(200, { type: "file", content: Buffer.from("mirrors:\n  - gitlab: g/p\n").toString("base64"), encoding: "base64" })
      .get(`/repos/${owner}/plain/contents/.mirror.yml`)
      .reply(404, { message: "Not Found" })
      .get(`/repos/${owner}/.github/contents/.mirror.yml`)
      .reply(404, { message: "Not Found" });

    await probotWith((app) => app.on("installation_repositories.added", handleRepositoriesAdded({ queue, index, configs, allowedGitLabUrl: "https://gitlab.com" }))).receive({
      id: "d-add",
      name: "installation_repositories",
      payload: p,
    } as any);
    expect(queue.jobs).toEqual([expect.objectContaining({ owner, repo })]);
    expect(reportsChanges(queue.jobs[0]!)).toBe(true);
    expect(triggerOf(queue.jobs[0]!)).toBe("install");
    expect(index.get(owner!, repo!)?.mirrors).toHaveLength(1);
    expect(index.get(owner!, "plain")).toBeUndefined();
    // What the scan read serves the first sync: a hit, with an Octokit that could not ask GitHub.
    expect(await configs.reader({} as GitHubClient, p.installation.id, { job: true })({ owner: owner!, repo: repo! })).toContain("gitlab: g/p");
    expect(configs.stats).toEqual({ hits: 1, requests: 3, notModified: 0 });
  });

  it("drops removed repositories: index entry now, cache through the queue", async () => {
    const queue = new RecordingQueue();
    const index = new MirrorIndex();
    const forgotten: string[] = [];
    const p = example("installation_repositories", (e) => e.action === "removed");
    const [owner, repo] = p.repositories_removed[0].full_name.split("/");
    index.set({ installationId: p.installation.id, owner, repo, mirrors: [mirror] });
    await probotWith((app) =>
      app.on(
        "installation_repositories.removed",
        handleRepositoriesRemoved({ queue, index, configs: newConfigCache(), allowedGitLabUrl: "x", forget: (o, r) => forgotten.push(`${o}/${r}`) }),
      ),
    ).receive({ id: "d-rm", name: "installation_repositories", payload: p } as any);
    expect(index.get(owner!, repo!)).toBeUndefined();
    expect(forgotten).toContain(`${owner}/${repo}`);
    expect(queue.jobs[0]).toMatchObject({ owner, repo });
    expect(isDrop(queue.jobs[0]!)).toBe(true);
  });

  it("an uninstall drops every repository of the installation", async () => {
    const queue = new RecordingQueue();
    const index = new MirrorIndex();
    const p = example("installation", (e) => e.action === "deleted");
    index.set({ installationId: p.installation.id, owner: "o", repo: "one", mirrors: [mirror] });
    index.set({ installationId: 999, owner: "o", repo: "other-installation", mirrors: [mirror] });
    await probotWith((app) => app.on("installation.deleted", handleInstallationDeleted({ queue, index, configs: newConfigCache(), allowedGitLabUrl: "x" }))).receive({
      id: "d-del",
      name: "installation",
      payload: p,
    } as any);
    expect(queue.jobs.map((j) => `${j.owner}/${j.repo}`)).toContain("o/one");
    expect(queue.jobs.every((j) => isDrop(j))).toBe(true);
    expect(index.get("o", "one")).toBeUndefined();
    expect(index.get("o", "other-installation")).toBeDefined();
  });
});
