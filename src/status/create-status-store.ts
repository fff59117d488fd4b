/** Which StatusStore the app uses: the same choice as the job queue (Redis when REDIS_URL is set). */
import type { Logger } from "pino";
import { MemoryStatusStore } from "./memory-store.js";
import type { StatusStore } from "./types.js";

export type ClosableStatusStore = StatusStore & { close?(): Promise<void> };

export async function createStatusStore(redisUrl: string | undefined, log?: Pick<Logger, "warn">): Promise<ClosableStatusStore> {
  if (!redisUrl) return new MemoryStatusStore();
  const { RedisStatusStore } = await import("./redis-store.js"); // loaded only with Redis, as the queue
  return RedisStatusStore.connect({ url: redisUrl, ...(log && { log }) });
}
