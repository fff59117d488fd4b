/**
 * startApp runs a real child process and waits for Probot's /ping. The app is not built here,
 * so a stand-in script plays it: it answers /ping, logs, and exits on SIGTERM like Probot.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { startApp, startSandbox, type AppProcess, type Sandbox } from "../../../sandbox/index.js";

const STAND_IN = `
import http from "node:http";
console.log(JSON.stringify({ level: 30, msg: "booting", nodeOptions: process.env.NODE_OPTIONS ?? null, ghe: process.env.GHE_HOST }));
if (process.env.CRASH) { console.error("boom: invalid environment"); process.exit(3); }
if (process.env.NEVER_READY) setInterval(() => {}, 1000);
else {
  const server = http.createServer((req, res) => {
    if (req.url === "/ping") return res.end("PONG");
    console.log("request " + req.url);
    res.writeHead(404).end();
  });
  server.listen(Number(process.env.PORT), process.env.HOST, () => console.log("listening on " + process.env.PORT));
  process.on("SIGTERM", () => { console.log("shutting down"); server.close(() => process.exit(0)); });
}
`;

let sandbox: Sandbox;
let dir: string;
let entry: string;

beforeAll(async () => {
  sandbox = await startSandbox();
  dir = await mkdtemp(path.join(os.tmpdir(), "app-process-test-"));
  entry = path.join(dir, "stand-in.mjs");
  await writeFile(entry, STAND_IN);
});

afterAll(async () => {
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});

function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on("error", reject);
  });
}

describe("startApp", () => {
  let app: AppProcess | undefined;
  afterEach(async () => {
    await app?.kill();
    app = undefined;
  });

  it("starts the process with the sandbox environment and waits for /ping", async () => {
    const env = sandbox.appEnv({ EXTRA: "1" });
    expect(env).toMatchObject({
      APP_ID: String(sandbox.appId),
      PRIVATE_KEY: sandbox.privateKeyPem,
      WEBHOOK_SECRET: sandbox.webhookSecret,
      GHE_HOST: sandbox.github.host,
      GHE_PROTOCOL: "http",
      GITLAB_URL: sandbox.gitlab.url,
      GITLAB_TOKEN: sandbox.gitlabToken,
      GITLAB_WEBHOOK_SECRET: sandbox.gitlabWebhookSecret,
      MIRROR_CACHE_DIR: path.join(sandbox.root, "cache"),
      PORT: expect.stringMatching(/^\d+$/),
      LOG_LEVEL: "info",
      LOG_FORMAT: "json",
      NODE_ENV: "production",
      EXTRA: "1",
    });
    app = await startApp(env, { entry });
    expect(app.url).toBe(`http://127.0.0.1:${env.PORT}`);
    expect(app.webhookUrl).toBe(`${app.url}/api/github/webhooks`);
    expect(app.pid).toBeGreaterThan(0);
    expect(await app.waitForLog("listening on", 1_000)).toBe(`listening on ${env.PORT}`);
    const boot = JSON.parse(app.logs()[0]!) as { nodeOptions: string | null; ghe: string };
    expect(boot).toMatchObject({ nodeOptions: null, ghe: sandbox.github.host });

    const seen = app.waitForLog(/request \/hello/, 5_000);
    expect(await get(`${app.url}/hello`)).toBe(404);
    expect(await seen).toBe("request /hello");

    expect(await app.stop()).toBe(0);
    expect(app.logs()).toContain("shutting down");
    expect(await app.exited).toBe(0);
  });

  it("fails with the app's output when it exits before answering", async () => {
    await expect(startApp(sandbox.appEnv({ CRASH: "1" }), { entry })).rejects.toThrow(/exited with 3[\s\S]*boom: invalid environment/);
  });

  it("gives up after the ready timeout and kills the process", async () => {
    await expect(startApp(sandbox.appEnv({ NEVER_READY: "1", PORT: String(await sandbox.freePort()) }), { entry, readyTimeoutMs: 500 })).rejects.toThrow(
      /Timed out after 500 ms waiting for the app to answer/,
    );
  });

  it("kills on request and rejects log waits once the process is gone", async () => {
    app = await startApp(sandbox.appEnv({ PORT: String(await sandbox.freePort()) }), { entry });
    const never = app.waitForLog("never printed", 10_000);
    await app.kill("SIGKILL");
    await expect(never).rejects.toThrow(/exited/);
    expect(await app.exited).toBeNull();
  });

  it("explains a missing build", async () => {
    await expect(startApp(sandbox.appEnv(), { entry: path.join(dir, "missing.js") })).rejects.toThrow(/npm run build/);
  });
});
