/**
 * The fakes can answer their REST APIs after a fixed latency, as github.com and gitlab.com answer
 * from a data centre (the benchmark's --api-latency-ms); git smart HTTP is never slowed, and tests
 * get immediate answers unless they ask.
 */
import { createAppAuth } from "@octokit/auth-app";
import { Gitlab } from "@gitbeaker/rest";
import { Octokit } from "@octokit/rest";
import { basicAuthConfig, configEnv, git } from "../../../sandbox/git.js";
import { startSandbox, type Sandbox } from "../../../sandbox/index.js";

const LATENCY_MS = 300;
/** Timers may fire a little early against performance.now(); a lower bound with a small allowance. */
const AT_LEAST = LATENCY_MS - 5;

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ apiLatencyMs: LATENCY_MS });
});

afterAll(async () => {
  await sandbox.close();
});

afterEach(() => {
  sandbox.github.apiLatencyMs = LATENCY_MS;
  sandbox.gitlab.apiLatencyMs = LATENCY_MS;
  expect([...sandbox.github.errors, ...sandbox.gitlab.errors]).toEqual([]);
});

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

describe("API latency in the fakes", () => {
  it("holds back every GitHub REST answer, the installation token included", async () => {
    const { fullName } = await sandbox.github.createRepo({ owner: "octo", name: "slow", files: { "README.md": "# slow\n" } });
    const [owner, repo] = fullName.split("/") as [string, string];
    const octokit = new Octokit({
      log: quiet,
      baseUrl: sandbox.github.apiUrl,
      authStrategy: createAppAuth,
      auth: { appId: sandbox.appId, privateKey: sandbox.privateKeyPem, installationId: sandbox.github.installationId },
    });
    sandbox.github.resetRequests();
    const started = performance.now();
    await octokit.rest.repos.get({ owner, repo });
    // A token, then the call: two answers one after the other.
    expect(performance.now() - started).toBeGreaterThanOrEqual(2 * AT_LEAST);
    const logged = sandbox.github.requests.map((r) => [r.method, r.path.replace(/\d+/g, "N"), r.status]);
    expect(logged).toEqual([
      ["POST", "/api/vN/app/installations/N/access_tokens", 201],
      ["GET", `/api/vN/repos/${fullName}`, 200],
    ]);
    for (const request of sandbox.github.requests) expect(request.ms).toBeGreaterThanOrEqual(AT_LEAST);
  });

  it("holds back every GitLab REST answer, errors and injected faults too", async () => {
    const gitlab = new Gitlab({ host: sandbox.gitlab.url, token: sandbox.gitlabToken });
    await sandbox.gitlab.createProject({ path: "slow/project" });
    sandbox.gitlab.failNext({ path: /\/projects\/slow%2Fproject$/, status: 502 });
    sandbox.gitlab.resetRequests();
    await gitlab.Projects.show("slow/project", { showExpanded: false }).catch(() => undefined); // the fault (gitbeaker may retry)
    await gitlab.Projects.show("slow/missing").catch(() => undefined); // 404
    const statuses = sandbox.gitlab.requests.map((r) => r.status);
    expect(statuses).toContain(502);
    expect(statuses).toContain(404);
    for (const request of sandbox.gitlab.requests) expect(request.ms).toBeGreaterThanOrEqual(AT_LEAST);
  });

  it("never slows git smart HTTP", async () => {
    // A latency no git command could wait out within the test's time: git must not be subject to it.
    sandbox.github.apiLatencyMs = 600_000;
    sandbox.gitlab.apiLatencyMs = 600_000;
    const { fullName } = await sandbox.github.createRepo({ owner: "octo", name: "fast-git", files: { "README.md": "# fast\n" } });
    const project = await sandbox.gitlab.createProject({ path: "slow/fast-git" });
    const github = await git(["ls-remote", sandbox.github.cloneUrl(fullName)], { env: configEnv([basicAuthConfig("x", sandbox.github.userToken)]) });
    expect(github).toContain("refs/heads/main");
    const gitlab = await git(["ls-remote", project.httpUrl], { env: configEnv([basicAuthConfig("oauth2", sandbox.gitlabToken)]) });
    expect(gitlab).toBe("");
  });

  it("is off unless asked for", async () => {
    const plain = await startSandbox();
    try {
      expect([plain.github.apiLatencyMs, plain.gitlab.apiLatencyMs]).toEqual([0, 0]);
    } finally {
      await plain.close();
    }
  });
});
