/**
 * The HTTP plumbing both fakes share: one server on 127.0.0.1:0 that logs every request (for
 * secret scans), applies injected faults first, hands `*.git/...` paths to real git smart HTTP
 * and everything under the API prefix to a Router. Service-specific looks (error bodies,
 * headers) come in as options, so fake-github and fake-gitlab hold only their own behaviour.
 * API answers can be held back by a fixed latency (apiLatencyMs), as the real services answer
 * from a data centre; git smart HTTP is never slowed.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { HttpError, type ApiResponse, type Router } from "./router.js";
import { drain, readBody } from "./body.js";

export interface LoggedRequest {
  method: string;
  /** Path and query as sent, e.g. `/api/v3/repos/o/r?ref=main` or `/o/r.git/git-receive-pack`. */
  path: string;
  headers: IncomingHttpHeaders;
  /** Text of an API request body; git request bodies (binary packs) are not kept. */
  body: string;
  /** Status answered, once the answer has been sent. */
  status?: number;
  /** Time from arrival to the end of the answer (for benchmarks: the fake's own share). */
  ms?: number;
  /** Arrival, `Date.now()`. */
  at: number;
}

export interface Fault {
  method?: string;
  /** Tested against the path and query, e.g. /\/check-runs/ or /git-receive-pack$/. */
  path: RegExp;
  status: number;
  /** How many matching requests fail; default 1. */
  count?: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface FakeServerOptions {
  apiPrefix: string;
  router: Router;
  git: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
  /** The service's error body for a status (faults without a body, unknown routes, crashes). */
  errorBody: (status: number) => unknown;
  /** Headers the service sends on every API answer (rate limit, request id). */
  apiHeaders?: () => Record<string, string>;
  /** Seen before faults and routing (e.g. to count git pushes). */
  onRequest?: (req: IncomingMessage, path: string) => void;
  /** Initial apiLatencyMs (default 0: tests get immediate answers). */
  apiLatencyMs?: number;
}

const MAX_BODY = 32 * 1024 * 1024;

export class FakeServer {
  readonly requests: LoggedRequest[] = [];
  /** Handler crashes (answered 500); tests assert this stays empty. */
  readonly errors: Error[] = [];
  /**
   * API requests no route matched (answered 404 like the real service). Usually a route the
   * fake lacks, not an app bug: check here first when the app gets an unexpected 404.
   */
  readonly unmatched: string[] = [];
  /**
   * How long every API answer (routes, faults, unknown routes) waits before it is sent, in ms. A
   * request to github.com or gitlab.com takes 100–300 ms; loopback takes none, which would hide
   * every round trip on the app's hot path. Git smart HTTP is not delayed.
   */
  apiLatencyMs: number;
  readonly #faults: Array<Fault & { remaining: number }> = [];
  readonly #server: http.Server;
  #url = "";

  constructor(private readonly options: FakeServerOptions) {
    this.apiLatencyMs = options.apiLatencyMs ?? 0;
    this.#server = http.createServer((req, res) => {
      this.#handle(req, res).catch((error: Error) => {
        this.errors.push(error);
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify(options.errorBody(500)));
      });
    });
    // Benchmarks send bursts over keep-alive; don't let idle sockets linger past a test.
    this.#server.keepAliveTimeout = 5_000;
  }

  get url(): string {
    return this.#url;
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    this.#url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this.#url;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  failNext(fault: Fault): void {
    this.#faults.push({ ...fault, remaining: fault.count ?? 1 });
  }

  /** Forget pending faults (between tests). */
  clearFaults(): void {
    this.#faults.length = 0;
  }

  resetRequests(): void {
    this.requests.length = 0;
  }

  #takeFault(method: string, path: string): Fault | undefined {
    const index = this.#faults.findIndex((f) => (!f.method || f.method === method) && f.path.test(path));
    if (index < 0) return undefined;
    const fault = this.#faults[index]!;
    if (--fault.remaining <= 0) this.#faults.splice(index, 1);
    return fault;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    const path = req.url ?? "/";
    const isApi = path.startsWith(this.options.apiPrefix + "/") || path === this.options.apiPrefix;
    const body = isApi ? await readBody(req, MAX_BODY) : "";
    const started = performance.now();
    const logged: LoggedRequest = { method, path, headers: req.headers, body, at: Date.now() };
    this.requests.push(logged);
    res.once("finish", () => {
      logged.status = res.statusCode;
      logged.ms = performance.now() - started;
    });
    this.options.onRequest?.(req, path);

    const fault = this.#takeFault(method, path);
    if (fault) {
      if (!isApi) await drain(req);
      const payload = fault.body ?? this.options.errorBody(fault.status);
      if (isApi) await this.#latency();
      send(res, { status: fault.status, body: payload, headers: { ...this.options.apiHeaders?.(), ...fault.headers } });
      return;
    }
    if (!isApi) {
      if (await this.options.git(req, res)) return;
      await drain(req);
      send(res, { status: 404, body: this.options.errorBody(404) });
      return;
    }
    const answer = await this.#api(method, path.slice(this.options.apiPrefix.length), req.headers, body);
    await this.#latency();
    send(res, answer);
  }

  #latency(): Promise<void> {
    return this.apiLatencyMs > 0 ? new Promise((resolve) => setTimeout(resolve, this.apiLatencyMs)) : Promise.resolve();
  }

  async #api(method: string, pathAndQuery: string, headers: IncomingHttpHeaders, raw: string): Promise<ApiResponse> {
    const url = new URL(pathAndQuery || "/", "http://sandbox");
    const matched = this.options.router.match(method, url.pathname);
    const extra = this.options.apiHeaders?.() ?? {};
    if (!matched || matched === "method") {
      this.unmatched.push(`${method} ${this.options.apiPrefix}${url.pathname}`);
      return { status: 404, body: this.options.errorBody(404), headers: extra };
    }
    let body: Record<string, unknown> = {};
    if (raw) {
      try {
        body = parseBody(raw, headers["content-type"]);
      } catch {
        return { status: 400, body: { message: "Problems parsing JSON" }, headers: extra };
      }
    }
    try {
      const response = await matched.handler({ method, path: url.pathname, params: matched.params, query: url.searchParams, headers, body });
      return { ...response, headers: { ...extra, ...response.headers } };
    } catch (error) {
      if (error instanceof HttpError) return { status: error.status, body: error.body, headers: { ...extra, ...error.headers } };
      throw error;
    }
  }
}

function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (contentType?.includes("application/x-www-form-urlencoded")) return Object.fromEntries(new URLSearchParams(raw));
  const parsed: unknown = JSON.parse(raw);
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
  return parsed as Record<string, unknown>;
}

export function send(res: ServerResponse, { status, body, headers = {} }: ApiResponse): void {
  if (status === 204 || body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  // A route answering plain text (GitLab's job logs) says so in its content-type.
  const raw = typeof body === "string" && headers["content-type"]?.startsWith("text/");
  const text = raw ? (body as string) : JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    ...headers,
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}
