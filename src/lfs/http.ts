/**
 * The one way mirror-bot speaks HTTP to Git LFS servers: node's own http(s), streaming both ways
 * (a body is piped with backpressure, never buffered whole), no redirects (a redirect could carry
 * an Authorization header to another host, as git's `http.followRedirects false` prevents), and
 * an idle timeout rather than a total one, so a 2 GB transfer may take as long as it keeps moving.
 * Headers are passed in memory only; URLs never carry credentials.
 */
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import type { Readable } from "node:stream";
import { MirrorError } from "../errors.js";
import { redact } from "../secrets.js";

export interface LfsHttpRequest {
  method: "GET" | "POST" | "PUT";
  url: string;
  headers: Record<string, string>;
  /** JSON bodies as a Buffer; object contents as a stream (with Content-Length in `headers`). */
  body?: Buffer | Readable;
  /** No byte for this long: the request is abandoned. */
  idleTimeoutMs: number;
}

// Keep-alive: a sync makes a batch call and then one request per object to the same hosts. An idle
// pooled socket is closed after `timeout` (a request in flight sets its own), so the pools stay small.
const POOL = { keepAlive: true, maxSockets: 8, maxFreeSockets: 4, timeout: 30_000 };
const agents = { "http:": new http.Agent(POOL), "https:": new https.Agent(POOL) };

/** Resolves with the response (its body still to be read) whatever its status. */
export function send(request: LfsHttpRequest): Promise<IncomingMessage> {
  const url = new URL(request.url);
  if ((url.protocol !== "https:" && url.protocol !== "http:") || url.username || url.password) {
    return Promise.reject(new MirrorError("internal", "mirror-bot was given an LFS URL it will not use (credentials or unknown scheme)"));
  }
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(url, { method: request.method, headers: request.headers, agent: url.protocol === "https:" ? agents["https:"] : agents["http:"] });
    req.setTimeout(request.idleTimeoutMs, () =>
      req.destroy(new MirrorError("timeout", `the Git LFS server at ${url.host} sent nothing for ${Math.round(request.idleTimeoutMs / 1000)} s`)),
    );
    req.on("response", (res) => {
      res.setTimeout(request.idleTimeoutMs, () =>
        res.destroy(new MirrorError("timeout", `the Git LFS server at ${url.host} sent nothing for ${Math.round(request.idleTimeoutMs / 1000)} s`)),
      );
      resolve(res);
    });
    req.on("error", (error) => reject(networkError(error, url)));
    const body = request.body;
    if (body === undefined) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else {
      body.on("error", (error) => req.destroy(error));
      body.pipe(req);
    }
  });
}

/** Reads a small response body (an error or a batch answer); larger ones are cut at `limit`. */
export async function readText(res: IncomingMessage, limit = 4 * 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    if (size < limit) chunks.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(chunks).toString("utf8").slice(0, limit);
}

/** The `message` of an LFS error body (docs/api/batch.md#response-errors), redacted; else the status. */
export async function errorMessage(res: IncomingMessage): Promise<string> {
  const text = await readText(res, 64 * 1024).catch(() => "");
  try {
    const body = JSON.parse(text) as { message?: unknown };
    if (typeof body.message === "string" && body.message.trim()) return redact(body.message.trim()).slice(0, 300);
  } catch {
    // not JSON
  }
  return `HTTP ${res.statusCode ?? "?"}`;
}

function networkError(error: Error, url: URL): MirrorError {
  if (error instanceof MirrorError) return error;
  return new MirrorError("transient", `the Git LFS server at ${url.host} could not be reached`, {
    cause: error,
    advice: "A network problem; the next attempt tries again.",
  });
}
