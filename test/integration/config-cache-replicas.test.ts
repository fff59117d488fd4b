/**
 * Two replicas' config caches on one real Redis (REDIS_URL): a push webhook that one replica
 * receives invalidates the other's cached `.mirror.yml`, so whichever replica runs the job reads
 * the new file. Each "replica" is what the app builds: its own ConfigCache and Redis connection.
 *
 * @requires-system redis-server
 */
import { Probot } from "probot";
import type { Logger } from "pino";
import { invalidateConfigOnPush } from "../../src/handlers/config-invalidation.js";
import type { PushDelivery } from "../../src/handlers/push.js";
import { installationOctokit } from "../../src/github/token-renewal.js";
import type { GitHubClient } from "../../src/github/types.js";
import { RedisCacheVersions } from "../../src/records/redis-cache-versions.js";
import { ConfigCache } from "../../src/worker/config-cache.js";
import { startSandbox, type Sandbox } from "../../sandbox/index.js";
import { closeAll } from "../helpers/close-all.js";
import { startRedis, type RedisServer } from "../helpers/redis-server.js";

const quiet = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet } as unknown as Logger;
let redis: RedisServer;
let sandbox: Sandbox;
let octokit: GitHubClient;
const versions: RedisCacheVersions[] = [];

beforeAll(async () => {
  redis = await startRedis();
  sandbox = await startSandbox();
  const probot = new Probot({ appId: sandbox.github.appId, privateKey: sandbox.github.privateKeyPem, baseUrl: sandbox.github.apiUrl, log: quiet });
  octokit = await installationOctokit(probot, sandbox.github.installationId);
});

afterAll(async () => {
  await closeAll(
    () => Promise.all(versions.map((v) => v.close())),
    () => sandbox?.close(),
    () => redis?.stop(),
  );
});

async function replica() {
  const shared = await RedisCacheVersions.connect({ url: redis.url });
  versions.push(shared);
  const cache = new ConfigCache({ versions: shared, getOctokit: async () => octokit, log: quiet });
  return { versions: shared, read: cache.reader(octokit, sandbox.github.installationId, { job: true }) };
}

it("a push webhook received by one replica makes the other read the changed .mirror.yml", async () => {
  const [a, b] = [await replica(), await replica()];
  const { fullName } = await sandbox.github.createRepo({ owner: "octo", name: "shared", files: { ".mirror.yml": "mirrors:\n  - gitlab: g/old\n" } });
  const ref = { owner: "octo", repo: "shared" };
  expect(await a.read(ref)).toBe("mirrors:\n  - gitlab: g/old\n");
  expect(await b.read(ref)).toBe("mirrors:\n  - gitlab: g/old\n");

  const pushed = await sandbox.github.commitAndPush(fullName, { branch: "main", files: { ".mirror.yml": "mirrors:\n  - gitlab: g/new\n" } });
  const payload = sandbox.github.pushEvent(fullName, { ref: pushed.ref, before: pushed.before, after: pushed.after });
  await invalidateConfigOnPush(a.versions, quiet, async () => undefined)({ id: "d1", payload: payload as PushDelivery["payload"], log: quiet });

  expect(await b.read(ref)).toBe("mirrors:\n  - gitlab: g/new\n");
  expect(await a.read(ref)).toBe("mirrors:\n  - gitlab: g/new\n");
});
