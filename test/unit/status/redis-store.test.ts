/**
 * RedisStatusStore against a real redis-server (test/helpers/redis-server.ts).
 * Every store gets its own key prefix.
 *
 * @requires-system redis-server
 */
import { jest } from "@jest/globals";
import { Redis } from "ioredis";
import { createStatusStore } from "../../../src/status/create-status-store.js";
import { MemoryStatusStore } from "../../../src/status/memory-store.js";
import { RedisStatusStore } from "../../../src/status/redis-store.js";
import { closeAll } from "../../helpers/close-all.js";
import { startRedis, type RedisServer } from "../../helpers/redis-server.js";
import { failingRecord, statusRecord } from "./records.js";
import { describeStatusStoreContract } from "./store-contract.js";

let server: RedisServer;
let probe: Redis;
let prefixes = 0;
const opened: RedisStatusStore[] = [];

beforeAll(async () => {
  server = await startRedis();
  probe = new Redis(server.url);
});

afterAll(async () => {
  await closeAll(
    () => probe?.quit(),
    () => server?.stop(),
  );
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
});

async function connect(prefix = `status${++prefixes}`, log?: { warn: (...args: unknown[]) => void }): Promise<RedisStatusStore> {
  const store = await RedisStatusStore.connect({ url: server.url, prefix, ...(log && { log }) });
  opened.push(store);
  return store;
}

describeStatusStoreContract("RedisStatusStore", () => connect());

describe("RedisStatusStore", () => {
  it("stores each mirror as a readable hash under the prefix, with no expiry", async () => {
    const store = await connect("readable");
    await store.record(failingRecord());
    const keys = (await probe.keys("readable:*")).sort();
    expect(keys).toEqual(["readable:status:index", "readable:status:mirror:octo/broken/group%2Fbroken"]);
    await expect(probe.hgetall("readable:status:mirror:octo/broken/group%2Fbroken")).resolves.toMatchObject({
      owner: "octo",
      repo: "broken",
      target: "group/broken",
      lastResult: "failure",
      lagRefs: "1",
      private: "0",
    });
    for (const key of keys) await expect(probe.ttl(key)).resolves.toBe(-1); // -1: exists, never expires
  });

  it("shares records between replicas on one prefix and keeps other prefixes apart", async () => {
    const [a, b, other] = [await connect("shared"), await connect("shared"), await connect("elsewhere")];
    await a.record(statusRecord());
    await b.record(failingRecord());
    expect((await a.list()).map((r) => r.repo)).toEqual(["broken", "hello"]);
    expect(await b.list()).toEqual(await a.list());
    await expect(other.list()).resolves.toEqual([]);
  });

  it("skips a record it cannot read, and says so", async () => {
    const log = { warn: jest.fn() };
    const store = await connect("unreadable", log);
    await store.record(statusRecord());
    await probe.sadd("unreadable:status:index", "octo/hand-written/x");
    await probe.hset("unreadable:status:mirror:octo/hand-written/x", { owner: "octo", repo: "hand-written" });
    expect((await store.list()).map((r) => r.repo)).toEqual(["hello"]);
    expect(log.warn).toHaveBeenCalledWith({ key: "octo/hand-written/x" }, expect.stringContaining("unreadable record"));
  });

  it("fails to connect to a Redis that is not there, instead of retrying forever", async () => {
    await expect(RedisStatusStore.connect({ url: "redis://127.0.0.1:1" })).rejects.toThrow();
  });
});

describe("createStatusStore", () => {
  it("keeps status in memory without a Redis URL, and in Redis with one", async () => {
    expect(await createStatusStore(undefined)).toBeInstanceOf(MemoryStatusStore);
    const store = await createStatusStore(server.url);
    opened.push(store as RedisStatusStore);
    expect(store).toBeInstanceOf(RedisStatusStore);
  });
});
