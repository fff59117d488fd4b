/**
 * The config cache (src/worker/config-cache.ts) against the sandbox's fake GitHub, through
 * Probot's own Octokit (its token cache, auth-app): a warm repository's `.mirror.yml` costs no
 * request; a push that changes it, removes it, or changes the org-wide file, and an installation
 * event, make the next read ask GitHub; revalidation is conditional and answered 304; a revoked
 * installation token is renewed. Time is an injected clock, never a wait.
 */
import { Probot } from "probot";
import type { Logger } from "pino";
import { handleInstallationChanged, invalidateConfigOnPush } from "../../src/handlers/config-invalidation.js";
import type { PushDelivery } from "../../src/handlers/push.js";
import { installationOctokit } from "../../src/github/token-renewal.js";
import type { GitHubClient } from "../../src/github/types.js";
import { MemoryCacheVersions } from "../../src/records/cache-versions.js";
import { ConfigCache, MAX_AGE_MS } from "../../src/worker/config-cache.js";
import { loadConfig } from "../../src/worker/config-check.js";
import { startSandbox, type LoggedRequest, type Sandbox } from "../../sandbox/index.js";

let sandbox: Sandbox;
let octokit: GitHubClient;
let counter = 0;
const quiet = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet } as unknown as Logger;

beforeAll(async () => {
  sandbox = await startSandbox();
  const probot = new Probot({ appId: sandbox.github.appId, privateKey: sandbox.github.privateKeyPem, baseUrl: sandbox.github.apiUrl, log: quiet });
  octokit = await installationOctokit(probot, sandbox.github.installationId);
});

afterAll(async () => {
  await sandbox?.close();
});

afterEach(() => {
  expect(sandbox.github.errors).toEqual([]);
  expect(sandbox.github.unmatchedRequests).toEqual([]);
});

/** A cache with its own versions and a clock the test moves. */
function setup() {
  const clock = { now: 1_000_000 };
  const versions = new MemoryCacheVersions();
  const cache = new ConfigCache({ versions, getOctokit: async () => octokit, log: quiet, now: () => clock.now });
  const read = cache.reader(octokit, sandbox.github.installationId, { job: true });
  return { clock, versions, cache, read };
}

async function repoWith(files: Record<string, string>, owner = "octo"): Promise<{ fullName: string; ref: { owner: string; repo: string } }> {
  const name = `cfg${Date.now().toString(36)}${counter++}`;
  const { fullName } = await sandbox.github.createRepo({ owner, name, files: { "README.md": "# hi\n", ...files } });
  return { fullName, ref: { owner, repo: name } };
}

/** API requests the fake GitHub received for this repository's contents since `from`. */
function contentsRequests(fullName: string, from: number): LoggedRequest[] {
  return sandbox.github.requests.slice(from).filter((r) => r.path.startsWith(`/api/v3/repos/${fullName}/contents`));
}

/** Pushes as the developer and runs the push fan-out's invalidation on GitHub's payload for it. */
async function pushAndInvalidate(versions: MemoryCacheVersions, fullName: string, files: Record<string, string | null>, options: { forced?: boolean } = {}) {
  const pushed = await sandbox.github.commitAndPush(fullName, { branch: "main", files, ...(options.forced ? { force: true } : {}) });
  const payload = sandbox.github.pushEvent(fullName, { ref: pushed.ref, before: pushed.before, after: pushed.after, ...(options.forced ? { forced: true } : {}) });
  let reached = false;
  await invalidateConfigOnPush(versions, quiet, async () => void (reached = true))({ id: `d${counter++}`, payload: payload as PushDelivery["payload"], log: quiet });
  expect(reached).toBe(true); // every push handler still runs
}

describe("the fake GitHub's conditional requests", () => {
  it("answers a contents read with an ETag, 304 to If-None-Match with it, and a new ETag once the file changed", async () => {
    const { fullName } = await repoWith({ ".mirror.yml": "mirrors: []\n" });
    const url = `${sandbox.github.apiUrl}/repos/${fullName}/contents/.mirror.yml`;
    const first = await fetch(url);
    const etag = first.headers.get("etag");
    expect(first.status).toBe(200);
    expect(etag).toMatch(/^W\/".+"$/);
    const again = await fetch(url, { headers: { "if-none-match": etag! } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    await sandbox.github.commitAndPush(fullName, { branch: "main", files: { ".mirror.yml": "mirrors: []\n# changed\n" } });
    const changed = await fetch(url, { headers: { "if-none-match": etag! } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get("etag")).not.toBe(etag);
  });
});

describe("ConfigCache", () => {
  it("serves a warm repository's .mirror.yml without asking GitHub, and revalidates it conditionally once it is a minute old", async () => {
    const { clock, cache, read } = setup();
    const { fullName, ref } = await repoWith({ ".mirror.yml": "mirrors:\n  - gitlab: g/one\n" });
    const start = sandbox.github.requests.length;
    expect(await read(ref)).toBe("mirrors:\n  - gitlab: g/one\n");
    clock.now += MAX_AGE_MS - 1;
    expect(await read(ref)).toBe("mirrors:\n  - gitlab: g/one\n");
    expect(contentsRequests(fullName, start)).toHaveLength(1);

    clock.now += 1;
    expect(await read(ref)).toBe("mirrors:\n  - gitlab: g/one\n");
    const [, revalidation] = contentsRequests(fullName, start);
    expect(revalidation?.headers["if-none-match"]).toMatch(/^W\//);
    expect(revalidation?.status).toBe(304);
    expect(cache.stats).toMatchObject({ requests: 2, notModified: 1 });
  });

  it("keeps an active repository's reading fresh in the background, so its next push asks nothing", async () => {
    const { clock, cache, read } = setup();
    const { fullName, ref } = await repoWith({ ".mirror.yml": "mirrors: []\n" });
    await read(ref);
    const start = sandbox.github.requests.length;
    clock.now += 50_000;
    await cache.revalidateDue();
    expect(contentsRequests(fullName, start).map((r) => r.status)).toEqual([304]);
    clock.now += 50_000; // 100 s after the first read, 50 s after the background check
    await read(ref);
    expect(contentsRequests(fullName, start)).toHaveLength(1);
  });

  it("reads the file again after a push to the default branch changes it, and only then", async () => {
    const { versions, read } = setup();
    const { fullName, ref } = await repoWith({ ".mirror.yml": "mirrors:\n  - gitlab: g/old\n" });
    await read(ref);
    await pushAndInvalidate(versions, fullName, { "src/a.txt": "a\n" });
    const start = sandbox.github.requests.length;
    expect(await read(ref)).toBe("mirrors:\n  - gitlab: g/old\n");
    expect(contentsRequests(fullName, start)).toHaveLength(0);

    await pushAndInvalidate(versions, fullName, { ".mirror.yml": "mirrors:\n  - gitlab: g/new\n" });
    expect(await read(ref)).toBe("mirrors:\n  - gitlab: g/new\n");
  });

  it("sees a removed .mirror.yml, and one a forced push brought back though no commit lists it", async () => {
    const { versions, read } = setup();
    const { fullName, ref } = await repoWith({ ".mirror.yml": "mirrors: []\n" });
    await read(ref);
    await pushAndInvalidate(versions, fullName, { ".mirror.yml": null });
    expect(await read(ref)).toBeNull();

    // The forced push replaces the commit that removed the file: it is back, though no commit lists it.
    await pushAndInvalidate(versions, fullName, { "b.txt": "b\n" }, { forced: true });
    const start = sandbox.github.requests.length;
    expect(await read(ref)).toBe("mirrors: []\n");
    expect(contentsRequests(fullName, start)).toHaveLength(1);
  });

  it("follows a change of the org-wide file for every repository without its own", async () => {
    const { versions, read } = setup();
    const owner = `org${counter++}`;
    const { ref } = await repoWith({}, owner);
    const dotGithub = await sandbox.github.createRepo({ owner, name: ".github", files: { ".mirror.yml": "mirrors:\n  - gitlab: mirror/{repo}\n" } });
    const first = await loadConfig(octokit, ref, undefined, sandbox.gitlab.url, read);
    expect(first.kind === "valid" && first.config.mirrors[0]?.gitlab).toBe(`mirror/${ref.repo}`);

    await pushAndInvalidate(versions, dotGithub.fullName, { ".mirror.yml": "mirrors:\n  - gitlab: elsewhere/{repo}\n" });
    const second = await loadConfig(octokit, ref, undefined, sandbox.gitlab.url, read);
    expect(second.kind === "valid" && second.config.mirrors[0]?.gitlab).toBe(`elsewhere/${ref.repo}`);
  });

  it("reads every repository of an installation again after an installation event", async () => {
    const { versions, read } = setup();
    const { fullName, ref } = await repoWith({ ".mirror.yml": "mirrors: []\n" });
    await read(ref);
    await handleInstallationChanged(versions)({ payload: { installation: { id: sandbox.github.installationId } } } as never);
    const start = sandbox.github.requests.length;
    await read(ref);
    expect(contentsRequests(fullName, start).map((r) => r.status)).toEqual([304]);
  });

  it("renews an installation token GitHub revoked before its hour was up, and reads on", async () => {
    const { versions, read } = setup();
    const { fullName, ref } = await repoWith({ ".mirror.yml": "mirrors:\n  - gitlab: g/before\n" });
    await read(ref);
    sandbox.github.expireInstallationTokens();
    await pushAndInvalidate(versions, fullName, { ".mirror.yml": "mirrors:\n  - gitlab: g/after\n" });
    const start = sandbox.github.requests.length;
    expect(await read(ref)).toBe("mirrors:\n  - gitlab: g/after\n");
    const asked = sandbox.github.requests.slice(start).map((r) => `${r.status} ${r.method} ${r.path.replace(/\?.*/, "")}`);
    // @octokit/auth-app itself retries a 401 on a token made less than 5 s ago (GitHub's replication
    // delay), so one or more 401s come before the renewal, depending on the token's age.
    const renewal = asked.indexOf(`201 POST /api/v3/app/installations/${sandbox.github.installationId}/access_tokens`);
    expect(renewal).toBeGreaterThan(0);
    expect(new Set(asked.slice(0, renewal))).toEqual(new Set([`401 GET /api/v3/repos/${fullName}/contents/.mirror.yml`]));
    expect(asked.slice(renewal + 1)).toEqual([`200 GET /api/v3/repos/${fullName}/contents/.mirror.yml`]);
  });
});
