/**
 * GitHub webhooks at WEBHOOK_PATH (default `/api/github/webhooks`), as a Probot `addHandler` route.
 * Probot's own route builds an authenticated Octokit for every event before any handler runs; a
 * push handler only queues a job, so under a burst that Octokit was the largest cost of answering
 * GitHub. Here push deliveries are verified, parsed and given to `onPush`, the app's one push
 * fan-out (push.ts), which Probot's `app.on("push")` calls too: every push handler sees every
 * push, whichever route it came by. Every other event is verified the same way and handed to
 * Probot's webhooks, so its handlers get a normal Context.
 * Answers match @octokit/webhooks' middleware: 200 "ok", 400 bad signature or body, 404 not POST,
 * 415 not JSON, 500 a handler failed, 202 when a handler is still running after 9 s.
 */
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { PushDelivery } from "./push.js";
import { readBody } from "./read-body.js";

/** Where Probot's own webhook route is moved to (main.ts), so this route answers WEBHOOK_PATH. */
export const PROBOT_WEBHOOK_PATH = "/api/github/webhooks/probot";
export const DEFAULT_WEBHOOK_PATH = "/api/github/webhooks";

const MAX_BODY_BYTES = 25 * 1024 * 1024; // GitHub caps webhook payloads at 25 MB
const STILL_PROCESSING_MS = 9_000; // GitHub gives up after 10 s
const REQUIRED_HEADERS = ["x-github-event", "x-hub-signature-256", "x-github-delivery"] as const;
const JSON_CONTENT = /^\s*application\/json\s*(?:;|$)/u;

export interface GitHubWebhookRouteOptions {
  path: string;
  /** WEBHOOK_SECRET, the same one Probot verifies with. */
  secret: string;
  /** Every push handler of the app (push.ts `fanOutPush`), the same one Probot's `app.on("push")` calls. */
  onPush(delivery: PushDelivery): Promise<void>;
  /** Any other event, already verified: Probot's `webhooks.receive`. */
  receive(event: { id: string; name: string; payload: unknown }): Promise<void>;
  log: Pick<Logger, "error" | "debug">;
}

export type GitHubWebhookRoute = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/** `secret` as a KeyObject when checking many: made once, it saves preparing the key on every delivery. */
export function signatureMatches(secret: string | KeyObject, body: Buffer, signature: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac("sha256", secret).update(body).digest("hex")}`);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function createGitHubWebhookRoute(options: GitHubWebhookRouteOptions): GitHubWebhookRoute {
  const path = trimSlashes(options.path);
  const secret = createSecretKey(Buffer.from(options.secret, "utf8"));
  return async (req, res) => {
    if (trimSlashes(new URL(req.url ?? "/", "http://localhost").pathname) !== path) return false;
    if (req.method !== "POST") return answer(res, 404, { error: `Unknown route: ${req.method} ${path}` });
    if (!JSON_CONTENT.test(String(req.headers["content-type"] ?? ""))) {
      req.resume();
      return answer(res, 415, { error: 'Unsupported "Content-Type" header value. Must be "application/json"' });
    }
    const missing = REQUIRED_HEADERS.filter((h) => typeof req.headers[h] !== "string");
    if (missing.length > 0) {
      req.resume();
      return answer(res, 400, { error: `Required headers missing: ${missing.join(", ")}` });
    }
    const name = req.headers["x-github-event"] as string;
    const id = req.headers["x-github-delivery"] as string;
    const body = await readBody(req, MAX_BODY_BYTES); // the exact bytes GitHub signed
    if (body === null) return answer(res, 413, { error: "Payload too large" });
    if (!signatureMatches(secret, body, req.headers["x-hub-signature-256"] as string)) {
      options.log.error({ event: name, delivery: id }, "GitHub webhook refused: signature does not match WEBHOOK_SECRET");
      return answer(res, 400, { error: "Error: [@octokit/webhooks] signature does not match event payload and secret" });
    }
    let payload: unknown;
    try {
      payload = JSON.parse(body.toString("utf8"));
    } catch {
      return answer(res, 400, { error: "SyntaxError: Invalid JSON" });
    }
    return handle(options, res, () =>
      name === "push" ? options.onPush({ id, payload: payload as PushDelivery["payload"], log: options.log }) : options.receive({ id, name, payload }),
    );
  };
}

async function handle(options: GitHubWebhookRouteOptions, res: ServerResponse, run: () => Promise<void>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const stillProcessing = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), STILL_PROCESSING_MS)));
  const handled = run().then(
    () => "ok" as const,
    (error: unknown) => {
      options.log.error({ err: error }, "GitHub webhook handler failed");
      return "failed" as const;
    },
  );
  const outcome = await Promise.race([handled, stillProcessing]);
  clearTimeout(timer);
  if (outcome === "timeout") {
    res.writeHead(202, { "content-type": "text/plain" }).end("still processing\n");
  } else if (outcome === "failed") {
    answer(res, 500, { error: "Error: the webhook handler failed; see the app's log" });
  } else {
    res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
  }
  return true;
}

function answer(res: ServerResponse, status: number, body: { error: string }): true {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  return true;
}

function trimSlashes(pathname: string): string {
  return pathname.replace(/\/+$/, "") || "/";
}
