/**
 * The mirror index, local and with its copy shared through a REAL redis-server (two MirrorIndex
 * instances on one Redis are two replicas): the same contract either way.
 *
 * @requires-system redis-server
 */
import { Redis } from "ioredis";
import { MirrorIndex } from "../../../src/index/mirror-index.js";
import { RedisSharedIndex } from "../../../src/index/redis-index.js";
import type { MirrorConfig } from "../../../src/config/schema.js";
import { closeAll } from "../../helpers/close-all.js";
import { startRedis, type RedisServer } from "../../helpers/redis-server.js";
import { mirrorConfig } from "../../helpers/mirror-config.js";

const mirror = (gitlab: string | number, direction: MirrorConfig["direction"]) => mirrorConfig({ gitlab, direction });
const names = async (found: Promise<Array<{ repo: string }>>) => (await found).map((r) => r.repo).sort();

let redis: RedisServer;
const connections: Redis[] = [];
let prefix = 0;

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await closeAll(
    () => Promise.all(connections.map((c) => c.quit())),
    () => redis?.stop(),
  );
});

/** Two views of one index: the same instance locally, two "replicas" on one Redis namespace. */
function pairOf(kind: "local" | "redis"): [MirrorIndex, MirrorIndex] {
  if (kind === "local") {
    const index = new MirrorIndex();
    return [index, index];
  }
  const options = { prefix: `t${prefix++}` };
  const make = () => {
    const connection = new Redis(redis.url);
    connections.push(connection);
    return new MirrorIndex(new RedisSharedIndex(connection, options));
  };
  return [make(), make()];
}

describe.each(["local", "redis"] as const)("MirrorIndex (%s)", (kind) => {
  it("finds the GitHub repositories linked to a GitLab project by path or id, per direction", async () => {
    const [a, b] = pairOf(kind);
    await a.set({ installationId: 1, owner: "Octo", repo: "A", mirrors: [mirror("Group/Proj", "pull")] });
    await b.set({ installationId: 1, owner: "octo", repo: "b", mirrors: [mirror(42, "both")] });
    await a.set({ installationId: 2, owner: "x", repo: "c", mirrors: [mirror("group/proj", "push")] });

    for (const index of [a, b]) {
      expect(await names(index.byGitLabProject(["group/proj", 7], ["pull", "both"]))).toEqual(["A"]);
      expect(await names(index.byGitLabProject(["other/path", 42], ["pull", "both"]))).toEqual(["b"]);
      expect(await names(index.byGitLabProject(["group/proj"], ["push"]))).toEqual(["c"]);
    }
  });

  it("says which hooked projects (pulled from, or reporting pipelines) a config gained and lost, whichever replica read it before", async () => {
    const [a, b] = pairOf(kind);
    const pushOnly = { ...mirror("g/push", "push"), pipelines: false };
    expect(await a.set({ installationId: 1, owner: "o", repo: "r", mirrors: [mirror("g/p", "pull"), pushOnly] })).toEqual({ linked: ["g/p"], unlinked: [] });
    expect(await b.set({ installationId: 1, owner: "o", repo: "r", mirrors: [mirror("g/q", "both"), pushOnly] })).toEqual({ linked: ["g/q"], unlinked: ["g/p"] });
    // A push mirror reports its project's pipelines by default, so its project needs the hook too.
    expect(await a.set({ installationId: 1, owner: "o", repo: "r", mirrors: [mirror("g/q", "both"), mirror("g/push", "push")] })).toEqual({ linked: ["g/push"], unlinked: [] });
    expect(await a.set({ installationId: 1, owner: "O", repo: "R", mirrors: [] })).toEqual({ linked: [], unlinked: ["g/q", "g/push"] });
    expect(await names(b.byGitLabProject(["g/p", "g/q", "g/push"], ["push", "pull", "both"]))).toEqual([]);
  });

  it("forgets a repository whose config no longer has mirrors, a removed one, one a full scan no longer lists, and a whole installation", async () => {
    const [a, b] = pairOf(kind);
    await a.set({ installationId: 1, owner: "o", repo: "a", mirrors: [mirror("g/p", "pull")] });
    await a.set({ installationId: 2, owner: "o", repo: "b", mirrors: [mirror("g/q", "pull")] });
    await a.set({ installationId: 1, owner: "O", repo: "A", mirrors: [] });
    expect(a.get("o", "a")).toBeUndefined();
    await b.set({ installationId: 1, owner: "o", repo: "c", mirrors: [mirror("g/r", "pull")] });
    await b.set({ installationId: 1, owner: "o", repo: "d", mirrors: [mirror("g/r", "pull")] });
    await b.set({ installationId: 1, owner: "o", repo: "e", mirrors: [mirror("g/r", "pull")] });
    await a.remove("o", "e");
    expect(await names(b.byGitLabProject(["g/r"], ["pull"]))).toEqual(["c", "d"]);
    await a.prune(1, new Set(["o/c"]));
    expect(await names(b.byGitLabProject(["g/r"], ["pull"]))).toEqual(["c"]);
    expect((await a.removeInstallation(1)).map((r) => r.repo)).toEqual(["c"]);
    expect(await names(b.byGitLabProject(["g/p", "g/q", "g/r"], ["pull"]))).toEqual(["b"]);
  });
});

it("leaves no key behind in Redis once every entry is gone", async () => {
  const connection = new Redis(redis.url);
  connections.push(connection);
  const index = new MirrorIndex(new RedisSharedIndex(connection, { prefix: "bounded" }));
  await index.set({ installationId: 3, owner: "o", repo: "a", mirrors: [mirror("g/p", "pull"), mirror(9, "push")] });
  expect((await connection.keys("bounded:*")).sort()).toEqual(["bounded:index:inst:3", "bounded:index:project:9", "bounded:index:project:g/p", "bounded:index:repo:o/a"]);
  await index.set({ installationId: 3, owner: "o", repo: "a", mirrors: [mirror("g/x", "pull")] });
  expect((await connection.keys("bounded:*")).sort()).toEqual(["bounded:index:inst:3", "bounded:index:project:g/x", "bounded:index:repo:o/a"]);
  await index.remove("o", "a");
  expect(await connection.keys("bounded:*")).toEqual([]);
});
