/**
 * The app's own view of its event loop, from its Prometheus endpoint (prom-client's default
 * metrics: a monitorEventLoopDelay histogram that every scrape reads and resets). Scraping once
 * before and once after a window gives the event-loop delay within that window: whether the app
 * stalled, as opposed to merely queueing requests.
 */
import http from "node:http";
import type { AppProcess } from "../sandbox/index.js";

export interface EventLoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

function get(url: string, token: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { authorization: `Bearer ${token}` }, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET /metrics answered ${res.statusCode}`))));
    });
    req.on("error", reject);
  });
}

/** Event-loop delay since the previous scrape; null when the app does not expose it. */
export async function scrapeEventLoopDelay(app: AppProcess, token: string): Promise<EventLoopDelay | null> {
  try {
    const text = await get(`${app.url}/metrics`, token);
    const seconds = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, "m").exec(text)?.[1] ?? NaN);
    const delay = {
      p50Ms: seconds("nodejs_eventloop_lag_p50_seconds") * 1000,
      p99Ms: seconds("nodejs_eventloop_lag_p99_seconds") * 1000,
      maxMs: seconds("nodejs_eventloop_lag_max_seconds") * 1000,
    };
    return Number.isFinite(delay.maxMs) ? delay : null;
  } catch {
    return null;
  }
}
