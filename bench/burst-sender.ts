/**
 * The burst's sender, in a thread of its own. The bench's main thread also serves the fake GitHub
 * and GitLab, so during the burst it answers every git request the app makes; a sender sharing
 * that event loop would count the fakes' work as the app being slow to answer. Deliveries are
 * signed here as GitHub would, all before the first is sent, then sent `inFlight` at a time over
 * keep-alive connections.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parentPort, workerData } from "node:worker_threads";
import { githubDelivery, postJson } from "../sandbox/webhook-delivery.js";
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
  // Signed before the clock starts, as GitHub's deliveries are: only sending and answering is timed.
  const signed = deliveries.map(({ id, payload }) => githubDelivery("push", payload, { secret, appId, deliveryId: id }));
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const first = epochNow();
  const answers = await mapLimit(signed, inFlight, async ({ headers, body }) => {
    const sentAt = epochNow();
    const answer = await postJson(url, headers, body);
    return { sentAt, ms: answer.ms, status: answer.status };
  });
  const lastAnswer = epochNow();
  loop.disable();
  return { answers, first, lastAnswer, loop: { p50Ms: loop.percentile(50) / 1e6, p99Ms: loop.percentile(99) / 1e6, maxMs: loop.max / 1e6 } };
}

if (parentPort) parentPort.postMessage(await send(workerData as SenderInput));
