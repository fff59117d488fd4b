/**
 * Sends webhooks the way GitHub and GitLab do (headers, signature or token) over one keep-alive
 * agent, so a burst of 1,000 deliveries measures the app rather than TCP handshakes.
 */
import { createHmac, randomUUID } from "node:crypto";
import http from "node:http";

export interface DeliveryResult {
  status: number;
  body: string;
  /** Wall time from sending to the full answer. */
  ms: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

/** `sha256=<hex>` of the raw body, as in X-Hub-Signature-256. */
export function signGitHubPayload(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** POST a JSON body with the given headers; resolves with status, body and duration. */
export function postJson(url: string, headers: Record<string, string>, body: string): Promise<DeliveryResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: "POST",
        agent,
        headers: { ...headers, "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), ms: performance.now() - started }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

export interface GitHubDeliveryOptions {
  secret: string;
  deliveryId?: string;
  /** Sent as X-GitHub-Hook-Installation-Target-ID, as GitHub does for app webhooks. */
  appId?: number;
}

/** One GitHub delivery, signed and ready to post (a burst prepares its deliveries before timing them). */
export function githubDelivery(
  eventName: string,
  payload: unknown,
  { secret, deliveryId = randomUUID(), appId }: GitHubDeliveryOptions,
): { headers: Record<string, string>; body: string } {
  const body = JSON.stringify(payload);
  return {
    headers: {
      "user-agent": "GitHub-Hookshot/sandbox",
      "x-github-event": eventName,
      "x-github-delivery": deliveryId,
      "x-github-hook-id": "1",
      "x-github-hook-installation-target-type": "integration",
      "x-github-hook-installation-target-id": String(appId ?? 0),
      "x-hub-signature": `sha1=${createHmac("sha1", secret).update(body).digest("hex")}`,
      "x-hub-signature-256": signGitHubPayload(secret, body),
    },
    body,
  };
}

export function deliverGitHubWebhook(url: string, eventName: string, payload: unknown, options: GitHubDeliveryOptions): Promise<DeliveryResult> {
  const { headers, body } = githubDelivery(eventName, payload, options);
  return postJson(url, headers, body);
}

export interface GitLabDeliveryOptions {
  /** Sent as X-Gitlab-Token; omitted when undefined (a hook without a secret token). */
  token?: string;
  instanceUrl?: string;
  eventUuid?: string;
}

export function deliverGitLabWebhook(
  url: string,
  eventName: string,
  payload: unknown,
  { token, instanceUrl = "http://127.0.0.1", eventUuid = randomUUID() }: GitLabDeliveryOptions,
): Promise<DeliveryResult> {
  return postJson(
    url,
    {
      "user-agent": "GitLab/17.0.0",
      "x-gitlab-event": eventName,
      "x-gitlab-event-uuid": eventUuid,
      "x-gitlab-webhook-uuid": randomUUID(),
      "x-gitlab-instance": instanceUrl,
      "idempotency-key": randomUUID(),
      ...(token !== undefined ? { "x-gitlab-token": token } : {}),
    },
    JSON.stringify(payload),
  );
}
