import { generateKeyPairSync } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Probot, ProbotOctokit } from "probot";
import { createGitHubWebhookRoute, signatureMatches } from "../../../src/handlers/github-webhook-route.js";
import { fanOutPush, fromProbot, handlePush, type PushDelivery } from "../../../src/handlers/push.js";
import { MemoryJobQueue } from "../../../src/queue/memory-queue.js";
import { mergeJobs, reportTargetsOf, type MirrorJob } from "../../../src/worker/mirror-job.js";
import { deliverGitHubWebhook, postJson, signGitHubPayload } from "../../../sandbox/webhook-delivery.js";
import { example } from "../../helpers/examples.js";

const SECRET = "whs-route-unit-test";

let server: http.Server;
let base: string;
let jobs: MirrorJob[];
let received: Array<{ id: string; name: string; payload: unknown }>;
let failNextReceive: Error | null;
const errors: string[] = [];

beforeEach(async () => {
  jobs = [];
  received = [];
  failNextReceive = null;
  errors.length = 0;
  const queue = new MemoryJobQueue<MirrorJob>(mergeJobs, 1); // never started: jobs stay queued
  const route = createGitHubWebhookRoute({
    path: "/api/github/webhooks",
    secret: SECRET,
    onPush: handlePush({ ...queue, enqueue: async (job: MirrorJob) => (jobs.push(job), queue.enqueue(job)) } as MemoryJobQueue<MirrorJob>),
    receive: async (event) => {
      if (failNextReceive) throw failNextReceive;
      received.push(event);
    },
    log: { error: (_o: unknown, m?: string) => errors.push(m ?? ""), debug: () => undefined },
  });
  server = http.createServer(async (req, res) => {
    if (!(await route(req, res))) res.writeHead(404, { "x-fell-through": "yes" }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(() => new Promise((resolve) => server.close(resolve)));

const push = () => example("push", (p) => !p.deleted && p.ref.startsWith("refs/heads/") && p.installation);

describe("GitHub webhook route", () => {
  it("queues a signed push itself, without handing it to Probot", async () => {
    const payload = push();
    const answer = await deliverGitHubWebhook(`${base}/api/github/webhooks`, "push", payload, { secret: SECRET, deliveryId: "d-1" });
    expect(answer).toMatchObject({ status: 200, body: "ok\n" });
    expect(jobs).toEqual([
      expect.objectContaining({
        owner: payload.repository.owner.login,
        repo: payload.repository.name,
        deliveryIds: ["d-1"],
      }),
    ]);
    expect(reportTargetsOf(jobs[0]!)).toEqual([{ ref: payload.ref, sha: payload.after }]);
    expect(received).toEqual([]);
  });

  it("hands every other verified event to Probot, parsed", async () => {
    const payload = example("installation");
    const answer = await deliverGitHubWebhook(`${base}/api/github/webhooks/`, "installation", payload, { secret: SECRET, deliveryId: "d-2" });
    expect(answer.status).toBe(200);
    expect(received).toEqual([{ id: "d-2", name: "installation", payload }]);
    expect(jobs).toEqual([]);
  });

  it("refuses a delivery signed with another secret, and does nothing with it", async () => {
    const answer = await deliverGitHubWebhook(`${base}/api/github/webhooks`, "push", push(), { secret: "not-the-secret" });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).error).toMatch(/signature does not match/);
    expect(jobs).toEqual([]);
    expect(received).toEqual([]);
    expect(errors).toEqual([expect.stringMatching(/signature does not match WEBHOOK_SECRET/)]);
  });

  it("refuses a body changed after signing", async () => {
    const body = JSON.stringify(push());
    const signature = signGitHubPayload(SECRET, body);
    const headers = { "x-github-event": "push", "x-github-delivery": "d-3", "x-hub-signature-256": signature };
    const answer = await postJson(`${base}/api/github/webhooks`, headers, body.replace('"ref"', '"ref" '));
    expect(answer.status).toBe(400);
    expect(jobs).toEqual([]);
  });

  it.each([
    ["x-github-event", { "x-github-delivery": "d", "x-hub-signature-256": "sha256=00" }],
    ["x-hub-signature-256", { "x-github-event": "push", "x-github-delivery": "d" }],
    ["x-github-delivery", { "x-github-event": "push", "x-hub-signature-256": "sha256=00" }],
  ])("answers 400 naming a missing %s header", async (missing, headers) => {
    const answer = await postJson(`${base}/api/github/webhooks`, headers, "{}");
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).error).toBe(`Required headers missing: ${missing}`);
  });

  it("answers 415 to a form-encoded delivery (a hook set to the wrong content type)", async () => {
    const answer = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${base}/api/github/webhooks`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end("payload=%7B%7D");
    });
    expect(answer).toBe(415);
  });

  it("answers 400 to a signed body that is not JSON", async () => {
    const body = "not json";
    const headers = { "x-github-event": "push", "x-github-delivery": "d-4", "x-hub-signature-256": signGitHubPayload(SECRET, body) };
    const answer = await postJson(`${base}/api/github/webhooks`, headers, body);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).error).toMatch(/Invalid JSON/);
  });

  it("answers 500 without the error's text when a handler fails", async () => {
    failNextReceive = new Error("token ghs_secretvalue leaked in a stack");
    const answer = await deliverGitHubWebhook(`${base}/api/github/webhooks`, "installation", example("installation"), { secret: SECRET });
    expect(answer.status).toBe(500);
    expect(answer.body).not.toMatch(/ghs_|stack|at /);
    expect(errors).toEqual(["GitHub webhook handler failed"]);
  });

  it("leaves other paths to the next handler and answers 404 to a GET", async () => {
    const other = await postJson(`${base}/api/github/webhooks/probot`, {}, "{}");
    expect(other).toMatchObject({ status: 404, body: "" }); // the next handler's answer
    const get = await new Promise<number>((resolve) => http.get(`${base}/api/github/webhooks`, (res) => (res.resume(), resolve(res.statusCode ?? 0))));
    expect(get).toBe(404);
    expect(jobs).toEqual([]);
  });

  it("compares signatures exactly, whatever their length", () => {
    const body = Buffer.from('{"a":1}');
    const good = signGitHubPayload(SECRET, body.toString());
    expect(signatureMatches(SECRET, body, good)).toBe(true);
    expect(signatureMatches(SECRET, body, good.slice(0, -1))).toBe(false);
    expect(signatureMatches(SECRET, body, good.replace("sha256=", "sha1="))).toBe(false);
    expect(signatureMatches(SECRET, body, "")).toBe(false);
  });
});

describe("one way in for pushes", () => {
  const { privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  let seen: string[];
  let probot: Probot;
  let onPush: (delivery: PushDelivery) => Promise<void>;

  beforeEach(async () => {
    await new Promise((resolve) => server.close(resolve)); // the route of the outer beforeEach is not used here
    seen = [];
    const handler = (name: string) => async (d: PushDelivery) => {
      if (d.id.startsWith(`fail-${name}`)) throw new Error(`${name} failed`);
      seen.push(`${name} ${d.id}`);
    };
    // As app.ts wires it: one fan-out, called by this route and by Probot's app.on("push").
    onPush = fanOutPush([handler("mirror"), handler("org-config")]);
    probot = new Probot({ appId: 123, privateKey, Octokit: ProbotOctokit.defaults({ retry: { enabled: false }, throttle: { enabled: false } }) });
    probot.load((app) => app.on("push", fromProbot(onPush)));
    const route = createGitHubWebhookRoute({
      path: "/api/github/webhooks",
      secret: SECRET,
      onPush,
      receive: (event) => probot.webhooks.receive(event as never),
      log: { error: (_o: unknown, m?: string) => errors.push(m ?? ""), debug: () => undefined },
    });
    server = http.createServer((req, res) => void route(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  it("a push reaches every push handler, by the app's route and by Probot's", async () => {
    expect(await deliverGitHubWebhook(`${base}/api/github/webhooks`, "push", push(), { secret: SECRET, deliveryId: "d-route" })).toMatchObject({ status: 200 });
    await probot.receive({ id: "d-probot", name: "push", payload: push() as never });
    expect(seen.sort()).toEqual(["mirror d-probot", "mirror d-route", "org-config d-probot", "org-config d-route"]);
  });

  it("a failing handler does not stop the others, and the delivery is answered 500", async () => {
    const answer = await deliverGitHubWebhook(`${base}/api/github/webhooks`, "push", push(), { secret: SECRET, deliveryId: "fail-org-config" });
    expect(answer.status).toBe(500);
    expect(seen).toEqual(["mirror fail-org-config"]);
    expect(errors).toEqual(["GitHub webhook handler failed"]);
  });
});
