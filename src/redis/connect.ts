/**
 * One Redis connection as the app's stores open it: checked at once (a wrong REDIS_URL stops the
 * app at boot, without retries), ioredis' own backoff once it has connected.
 */
import { Redis } from "ioredis";
import type { Logger } from "pino";

export async function connectRedis(url: string, name: string, log?: Pick<Logger, "warn">): Promise<Redis> {
  let connected = false;
  const redis = new Redis(url, { lazyConnect: true, retryStrategy: (times) => (connected ? Math.min(times * 50, 2000) : null) });
  redis.on("error", (error) => log?.warn({ err: error }, `${name}: connection error`));
  try {
    await redis.connect();
    await redis.ping();
    connected = true;
  } catch (error) {
    if (redis.status !== "end") redis.disconnect();
    throw error;
  }
  return redis;
}
