/**
 * The Redis side of RedisJobQueue: key names and the Lua scripts that change a key's state in one
 * atomic step (dedup + append, take a batch, finish and release). See redis-queue.ts for the model.
 * Pending jobs are stored as newline-separated JSON (JSON.stringify never emits a raw newline) and
 * folded with the job owner's merge function when taken, so the merge rules live in TypeScript only.
 */
import type { Redis } from "ioredis";

export interface RedisKeys {
  pending: string;
  running: string;
  scheduled: string;
  generation: string;
  events: string;
  bullPrefix: string;
  lock(key: string): string;
  delivery(id: string): string;
}

export function redisKeys(prefix: string): RedisKeys {
  return {
    pending: `${prefix}:pending`,
    running: `${prefix}:running`,
    scheduled: `${prefix}:scheduled`,
    generation: `${prefix}:generation`,
    events: `${prefix}:events`,
    bullPrefix: `${prefix}:bull`,
    lock: (key) => `${prefix}:lock:${key}`,
    delivery: (id) => `${prefix}:delivery:${id}`,
  };
}

/**
 * KEYS: pending, scheduled, generation, delivery keys...   ARGV: key, job JSON, dedup TTL (s), channel.
 * A job all of whose deliveries were seen is a duplicate. Otherwise its JSON is appended to the key's
 * pending batch, and the key gets a generation (the id of the BullMQ job that will run it) unless it
 * has one already.
 */
const ENQUEUE = `
local fresh = 0
for i = 4, #KEYS do
  if redis.call('SET', KEYS[i], '1', 'NX', 'EX', ARGV[3]) then fresh = fresh + 1 end
end
if #KEYS > 3 and fresh == 0 then return {'duplicate'} end
local waiting = redis.call('HGET', KEYS[1], ARGV[1])
if waiting then
  redis.call('HSET', KEYS[1], ARGV[1], waiting .. '\\n' .. ARGV[2])
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
local generation = redis.call('HGET', KEYS[2], ARGV[1])
if not generation then
  generation = tostring(redis.call('INCR', KEYS[3]))
  redis.call('HSET', KEYS[2], ARGV[1], generation)
end
redis.call('PUBLISH', ARGV[4], 'enqueued')
if waiting then return {'coalesced', generation} end
return {'queued', generation}
`;

/**
 * KEYS: pending, running, scheduled, lock.   ARGV: key, lease, generation, finished (0|1), take (0|1),
 * lock TTL (ms), channel.
 * Run by the lease holder between runs: forgets the batch it just finished, then either takes the next
 * batch (what a dead holder left in `running`, followed by everything pending) or, with nothing left,
 * releases the key: clears its generation if it is ours, deletes the lock.
 * With take=0 (closing) and work left, it only releases the lock: the BullMQ job goes back to the queue.
 */
const STEP = `
if redis.call('GET', KEYS[4]) ~= ARGV[2] then return {'lost'} end
if ARGV[4] == '1' then redis.call('HDEL', KEYS[2], ARGV[1]) end
local waiting = redis.call('HGET', KEYS[1], ARGV[1])
local running = redis.call('HGET', KEYS[2], ARGV[1])
if not waiting and not running then
  if redis.call('HGET', KEYS[3], ARGV[1]) == ARGV[3] then redis.call('HDEL', KEYS[3], ARGV[1]) end
  redis.call('DEL', KEYS[4])
  redis.call('PUBLISH', ARGV[7], 'done')
  return {'done'}
end
if ARGV[5] ~= '1' then
  redis.call('DEL', KEYS[4])
  redis.call('PUBLISH', ARGV[7], 'handoff')
  return {'handoff'}
end
local batch = running
if waiting then
  if running then batch = running .. '\\n' .. waiting else batch = waiting end
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('HSET', KEYS[2], ARGV[1], batch)
end
redis.call('PEXPIRE', KEYS[4], ARGV[6])
redis.call('PUBLISH', ARGV[7], 'running')
return {'run', batch}
`;

/** KEYS: lock.   ARGV: lease, TTL (ms). Extends the lease if it is still ours. */
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

/** KEYS: lock.   ARGV: lease. Deletes the lock if it is still ours. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

export type EnqueueReply = { outcome: "duplicate" } | { outcome: "queued" | "coalesced"; generation: string };
export type StepReply = { kind: "run"; batch: string } | { kind: "done" | "handoff" | "lost" };

type ScriptCall = (numberOfKeys: number, ...keysThenArgs: Array<string | number>) => Promise<unknown>;

/** The scripts bound to one connection (EVALSHA, with ioredis falling back to EVAL once per script). */
export class QueueScripts {
  private readonly call: Record<"mirrorEnqueue" | "mirrorStep" | "mirrorRenew" | "mirrorRelease", ScriptCall>;

  constructor(
    redis: Redis,
    private readonly keys: RedisKeys,
  ) {
    redis.defineCommand("mirrorEnqueue", { lua: ENQUEUE });
    redis.defineCommand("mirrorStep", { lua: STEP });
    redis.defineCommand("mirrorRenew", { lua: RENEW });
    redis.defineCommand("mirrorRelease", { lua: RELEASE });
    this.call = redis as unknown as typeof this.call;
  }

  async enqueue(key: string, json: string, deliveryIds: string[], dedupTtlSeconds: number): Promise<EnqueueReply> {
    const k = this.keys;
    const keys = [k.pending, k.scheduled, k.generation, ...deliveryIds.map((id) => k.delivery(id))];
    const [outcome, generation] = (await this.call.mirrorEnqueue(keys.length, ...keys, key, json, dedupTtlSeconds, k.events)) as string[];
    return outcome === "duplicate" ? { outcome } : { outcome: outcome as "queued" | "coalesced", generation: generation! };
  }

  async step(key: string, lease: string, generation: string, finished: boolean, take: boolean, lockTtlMs: number): Promise<StepReply> {
    const k = this.keys;
    const args = [key, lease, generation, finished ? 1 : 0, take ? 1 : 0, lockTtlMs, k.events];
    const [kind, batch] = (await this.call.mirrorStep(4, k.pending, k.running, k.scheduled, k.lock(key), ...args)) as string[];
    return kind === "run" ? { kind, batch: batch! } : { kind: kind as "done" | "handoff" | "lost" };
  }

  async renew(key: string, lease: string, lockTtlMs: number): Promise<boolean> {
    return (await this.call.mirrorRenew(1, this.keys.lock(key), lease, lockTtlMs)) === 1;
  }

  async release(key: string, lease: string): Promise<void> {
    await this.call.mirrorRelease(1, this.keys.lock(key), lease);
  }
}
