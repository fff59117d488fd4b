/**
 * The burst's sender, in a thread of its own. The bench's main thread also serves the fake GitHub
 * and GitLab, so during the burst it answers every git request the app makes; a sender sharing
 * that event loop would count the fakes' work as the app being slow to answer. Deliveries are
 * signed and sent here as GitHub would, `inFlight` at a time over keep-alive connections.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parentPort, workerData } from "node:worker_threads";
import { deliverGitHubWebhook } from "../sandbox/webhook-delivery.js";
import type { EventLoopDelay } from "./app-metrics.js";
import { mapLimit } from "./stats.js";

export interface SenderInput {
  url: string;
  secret: string;
  appId: number;
  inFlight: number;
  deliveries: Array<{ id: string; payload: unknown }>;
}

/** Times are epoch milliseconds (performance.timeOrigin + now), comparable across threads. */
export interface SenderOutput {
  answers: Array<{ sentAt: number; ms: number; status: number }>;
  first: number;
  lastAnswer: number;
  loop: EventLoopDelay;
}

const epochNow = () => performance.timeOrigin + performance.now();

async function send({ url, secret, appId, inFlight, deliveries }: SenderInput): Promise<SenderOutput> {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const first = epochNow();
  const answers = await mapLimit(deliveries, inFlight, async ({ id, payload }) => {
    const sentAt = epochNow();
    const answer = await deliverGitHubWebhook(url, "push", payload, { secret, appId, deliveryId: id });
    return { sentAt, ms: answer.ms, status: answer.status };
  });
  const lastAnswer = epochNow();
  loop.disable();
  return { answers, first, lastAnswer, loop: { p50Ms: loop.percentile(50) / 1e6, p99Ms: loop.percentile(99) / 1e6, maxMs: loop.max / 1e6 } };
}

if (parentPort) parentPort.postMessage(await send(workerData as SenderInput));
