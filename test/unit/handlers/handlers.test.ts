/** Handlers through probot.receive with real example payloads: they enqueue the right job, nothing else. */
import { generateKeyPairSync } from "node:crypto";
import nock from "nock";
import { Probot, ProbotOctokit } from "probot";
import { handlePush, pushTouchesConfig } from "../../../src/handlers/push.js";
import { handleCheckRunRerequested } from "../../../src/handlers/rerun.js";
import type { EnqueueOutcome, JobQueue } from "../../../src/queue/job-queue.js";
import { configCommitsOf, reportTargetsOf, repositoryOf, type MirrorJob } from "../../../src/worker/mirror-job.js";
import { example } from "../../helpers/examples.js";

const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});

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

function probotWith(queue: RecordingQueue): Probot {
  const probot = new Probot({
    appId: 123,
    privateKey,
    // Retries and throttling off: a handler test must fail fast.
    Octokit: ProbotOctokit.defaults({ retry: { enabled: false }, throttle: { enabled: false } }),
  });
  probot.load((app) => {
    app.on("push", handlePush(queue));
    app.on("check_run.rerequested", handleCheckRunRerequested(queue));
  });
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

describe("push handler", () => {
  it("enqueues one job per push, reporting on the pushed commit, without calling GitHub", async () => {
    const queue = new RecordingQueue();
    const payload = example("push", (p) => !p.deleted && p.ref.startsWith("refs/heads/"));
    payload.installation = { id: 42, node_id: "x" };
    await probotWith(queue).receive({ id: "delivery-1", name: "push", payload } as any);
    expect(queue.jobs).toHaveLength(1);
    const job = queue.jobs[0]!;
    expect(job).toMatchObject({
      key: `${payload.repository.owner.login}/${payload.repository.name}`.toLowerCase(),
      installationId: 42,
      deliveryIds: ["delivery-1"],
    });
    expect(reportTargetsOf(job)).toEqual([{ ref: payload.ref, sha: payload.after }]);
    expect(configCommitsOf(job)).toEqual([]);
    expect(repositoryOf(job)).toMatchObject({ cloneUrl: payload.repository.clone_url, defaultBranch: payload.repository.default_branch });
  });

  it("reports nothing for a branch deletion but still mirrors it", async () => {
    const queue = new RecordingQueue();
    const payload = example("push");
    Object.assign(payload, { deleted: true, after: "0".repeat(40), installation: { id: 42 } });
    await probotWith(queue).receive({ id: "delivery-2", name: "push", payload } as any);
    expect(reportTargetsOf(queue.jobs[0]!)).toEqual([]);
  });

  it("asks for validation when a commit adds or modifies .mirror.yml", async () => {
    const queue = new RecordingQueue();
    const payload = example("push", (p) => !p.deleted);
    payload.installation = { id: 42 };
    payload.commits = [{ ...(payload.commits[0] ?? {}), added: [], modified: [".mirror.yml"], removed: [] }];
    await probotWith(queue).receive({ id: "delivery-3", name: "push", payload } as any);
    expect(configCommitsOf(queue.jobs[0]!)).toEqual([payload.after]);
  });

  it("ignores a push without an installation", async () => {
    const queue = new RecordingQueue();
    const payload = example("push");
    delete payload.installation;
    await probotWith(queue).receive({ id: "delivery-4", name: "push", payload } as any);
    expect(queue.jobs).toEqual([]);
  });

  it.each([
    [[{ added: [".mirror.yml"] }], true],
    [[{ modified: ["src/a.ts"] }, { modified: [".mirror.yml"] }], true],
    [[{ added: ["docs/.mirror.yml"] }], false],
    [[{ removed: [".mirror.yml"] }], false],
  ])("pushTouchesConfig(%j) is %s", (commits, expected) => {
    expect(pushTouchesConfig(commits as any)).toBe(expected);
  });
});

describe("check_run.rerequested handler", () => {
  it("mirrors again for our check run, reporting on its commit", async () => {
    const queue = new RecordingQueue();
    const payload = example("check_run", (p) => p.action === "rerequested");
    payload.installation = { id: 7 };
    payload.check_run.name = "GitLab mirror (group/project)";
    payload.check_run.check_suite.head_branch = "main";
    await probotWith(queue).receive({ id: "delivery-5", name: "check_run", payload } as any);
    expect(queue.jobs).toHaveLength(1);
    expect(reportTargetsOf(queue.jobs[0]!)).toEqual([{ ref: "refs/heads/main", sha: payload.check_run.head_sha }]);
  });

  it("leaves other apps' check runs alone", async () => {
    const queue = new RecordingQueue();
    const payload = example("check_run", (p) => p.action === "rerequested");
    payload.installation = { id: 7 };
    payload.check_run.name = "CI / build";
    await probotWith(queue).receive({ id: "delivery-6", name: "check_run", payload } as any);
    expect(queue.jobs).toEqual([]);
  });
});
