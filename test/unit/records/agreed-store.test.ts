/**
 * Where each mirror's agreement record lives: files beside the caches, or a REAL redis-server
 * (two stores on one Redis are two replicas: what one agreed, the other reads). The same contract.
 *
 * @requires-system redis-server
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { FileAgreedStore, type AgreedStore } from "../../../src/records/agreed-store.js";
import { RedisAgreedStore } from "../../../src/records/redis-agreed-store.js";
import { closeAll } from "../../helpers/close-all.js";
import { startRedis, type RedisServer } from "../../helpers/redis-server.js";

const A = "a".repeat(40);
const B = "b".repeat(40);
const repo = { owner: "Octo", repo: "Widget" };

let redis: RedisServer;
let root: string;
const connections: Redis[] = [];
let prefix = 0;

beforeAll(async () => {
  redis = await startRedis();
  root = await mkdtemp(path.join(os.tmpdir(), "agreed-store-"));
});
afterAll(async () => {
  await closeAll(
    () => Promise.all(connections.map((c) => c.quit())),
    () => redis?.stop(),
    () => rm(root, { recursive: true, force: true }),
  );
});

/** Two replicas' views of one store. */
function pairOf(kind: "file" | "redis"): [AgreedStore, AgreedStore] {
  if (kind === "file") {
    const dir = path.join(root, `s${prefix++}`);
    return [new FileAgreedStore(dir), new FileAgreedStore(dir)];
  }
  const namespace = `t${prefix++}`;
  const make = () => {
    const connection = new Redis(redis.url);
    connections.push(connection);
    return new RedisAgreedStore(connection, namespace);
  };
  return [make(), make()];
}

describe.each(["file", "redis"] as const)("AgreedStore (%s)", (kind) => {
  it("keeps one record per mirror, and what one replica agreed the other reads", async () => {
    const [one, other] = pairOf(kind);
    expect((await other.forMirror(repo, 7).load()).size).toBe(0); // none yet: nothing is vouched for
    await one.forMirror(repo, 7).save(new Map([["refs/heads/main", A]]));
    await one.forMirror(repo, 8).save(new Map([["refs/heads/main", B]]));

    expect(Object.fromEntries(await other.forMirror({ owner: "octo", repo: "widget" }, 7).load())).toEqual({ "refs/heads/main": A });
    expect(Object.fromEntries(await other.forMirror(repo, 8).load())).toEqual({ "refs/heads/main": B });
    expect((await other.forMirror({ owner: "octo", repo: "other" }, 7).load()).size).toBe(0);
  });

  it("forgets every record of a repository that leaves, and only those", async () => {
    const [one, other] = pairOf(kind);
    const neighbour = { owner: "octo", repo: "neighbour" };
    await one.forMirror(repo, 7).save(new Map([["refs/heads/main", A]]));
    await one.forMirror(repo, 8).save(new Map([["refs/heads/main", A]]));
    await one.forMirror(neighbour, 7).save(new Map([["refs/heads/main", B]]));

    await other.removeRepository(repo);

    expect((await one.forMirror(repo, 7).load()).size).toBe(0);
    expect((await one.forMirror(repo, 8).load()).size).toBe(0);
    expect(Object.fromEntries(await one.forMirror(neighbour, 7).load())).toEqual({ "refs/heads/main": B });
  });
});
