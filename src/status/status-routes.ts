/**
 * The operator routes, as one Probot 14 handler (`addHandler`): answers its own paths and
 * returns false for everything else.
 *
 * | route                  | answers                                   | without access           |
 * | ---------------------- | ----------------------------------------- | ------------------------ |
 * | GET /mirror/status     | HTML page, `?show=failing|lagging`        | 401 + login form         |
 * | GET /mirror/api/status | JSON `{ mirrors }`, same filter           | 401 JSON error           |
 * | POST /mirror/login     | form `token=...` → cookie + 303 to status | 401 + login form again   |
 * | GET /metrics           | Prometheus text                           | 401 (open if metricsPublic) |
 * Access = `Authorization: Bearer <MIRROR_ADMIN_TOKEN>` or the signed session cookie (admin-auth.ts).
 * Without an admin token every /mirror route is 404 (and /metrics too, unless public): the
 * feature is off, not merely locked. Unauthenticated responses never read the store, so no
 * repository name (private or not) can reach them.
 */
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { redact, registerSecret } from "../secrets.js";
import { createAdminAuth, type AdminAuth } from "./admin-auth.js";
import { filterRecords, parseFilter } from "./records.js";
import { renderLoginPage, renderStatusPage, STATUS_PAGE_CSS } from "./render-status-page.js";
import type { MirrorStatusRecord, StatusStore } from "./types.js";
import { readBody } from "../handlers/read-body.js";

export interface StatusHandlerOptions {
  store: StatusStore;
  registry: Pick<Registry, "metrics" | "contentType">;
  /** MIRROR_ADMIN_TOKEN; without it the /mirror routes do not exist. */
  adminToken?: string;
  /** Serve /metrics without a token (for a Prometheus on a private network). */
  metricsPublic: boolean;
  /** Key for the session cookie; by default derived from the admin token. */
  cookieSecret?: string;
  log?: Pick<Logger, "error">;
  now?: () => Date;
}

/** Assignable to Probot's `Handler`: true when this handler answered the request. */
export type StatusHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

type Route = "page" | "api" | "login" | "metrics" | "home";
const ROUTES: Record<string, Route> = {
  "/mirror": "home",
  "/mirror/": "home",
  "/mirror/status": "page",
  "/mirror/api/status": "api",
  "/mirror/login": "login",
  "/metrics": "metrics",
};
const STATUS_PATH = "/mirror/status";
const MAX_LOGIN_BODY_BYTES = 4096;

const CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash("sha256").update(STATUS_PAGE_CSS).digest("base64")}'`,
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

export function createStatusHandler(options: StatusHandlerOptions): StatusHandler {
  registerSecret(options.adminToken, "long-lived");
  registerSecret(options.cookieSecret, "long-lived");
  const auth = options.adminToken ? createAdminAuth(options.adminToken, options.cookieSecret) : null;
  const now = options.now ?? (() => new Date());

  return async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const route = Object.hasOwn(ROUTES, url.pathname) ? ROUTES[url.pathname]! : undefined;
    if (!route) return false;
    try {
      await answer(route, url, req, res, { ...options, auth, now });
    } catch (error) {
      options.log?.error({ err: error }, `status route ${url.pathname} failed`);
      if (!res.headersSent) send(res, 503, "text/plain", "Mirror status is unavailable right now; see the app's log.\n");
      else res.destroy();
    }
    return true;
  };
}

type Context = StatusHandlerOptions & { auth: AdminAuth | null; now: () => Date };

async function answer(route: Route, url: URL, req: IncomingMessage, res: ServerResponse, ctx: Context): Promise<void> {
  const { auth } = ctx;
  if (route === "metrics") {
    if (!ctx.metricsPublic && !auth) return notFound(res);
    if (!allowMethod(req, res, ["GET", "HEAD"])) return;
    if (!ctx.metricsPublic && !auth!.isAdmin(req)) return unauthorized(res, "text/plain", "Unauthorized: send Authorization: Bearer <MIRROR_ADMIN_TOKEN>.\n");
    return send(res, 200, ctx.registry.contentType, await ctx.registry.metrics());
  }
  if (!auth) return notFound(res);

  if (route === "home") return redirect(res, STATUS_PATH);
  if (route === "login") {
    if (req.method === "GET" || req.method === "HEAD") return redirect(res, STATUS_PATH);
    if (!allowMethod(req, res, ["POST"])) return;
    return login(req, res, auth);
  }
  if (!allowMethod(req, res, ["GET", "HEAD"])) return;
  const filter = parseFilter(url.searchParams.get("show"));
  if (route === "api") {
    if (!auth.isAdmin(req)) {
      return unauthorized(res, "application/json", json({ error: "unauthorized", message: "Send Authorization: Bearer <MIRROR_ADMIN_TOKEN>." }));
    }
    const mirrors = filterRecords(await readRecords(ctx.store), filter);
    return send(res, 200, "application/json", json({ mirrors }));
  }
  if (!auth.isAdmin(req)) return unauthorized(res, "text/html", renderLoginPage());
  const page = renderStatusPage({ records: await readRecords(ctx.store), filter, now: ctx.now() });
  return send(res, 200, "text/html", page);
}

async function login(req: IncomingMessage, res: ServerResponse, auth: AdminAuth): Promise<void> {
  if (Number(req.headers["content-length"] ?? 0) > MAX_LOGIN_BODY_BYTES) {
    res.setHeader("Connection", "close");
    return send(res, 413, "text/plain", "Request body too large.\n");
  }
  const body = (await readBody(req, MAX_LOGIN_BODY_BYTES))?.toString("utf8") ?? null;
  const token = body === null ? "" : (new URLSearchParams(body).get("token") ?? "");
  if (!token || !auth.tokenMatches(token)) {
    return unauthorized(res, "text/html", renderLoginPage({ message: "That token is not right. Check MIRROR_ADMIN_TOKEN and try again." }));
  }
  res.setHeader("Set-Cookie", auth.sessionCookie({ secure: isHttps(req) }));
  return redirect(res, STATUS_PATH);
}

/** Defence in depth: the worker redacts before recording, and nothing leaves here unredacted either. */
async function readRecords(store: StatusStore): Promise<MirrorStatusRecord[]> {
  return (await store.list()).map((record) => ({
    ...record,
    lastTitle: redact(record.lastTitle),
    ...(record.lastError !== undefined && { lastError: redact(record.lastError) }),
    ...(record.targetUrl !== undefined && { targetUrl: redact(record.targetUrl) }),
  }));
}

/** Reads at most `limit` bytes; a longer body is drained (not stored) and gives null. */
function isHttps(req: IncomingMessage): boolean {
  const forwarded = String(req.headers["x-forwarded-proto"] ?? "")
    .split(",")[0]!
    .trim();
  return Boolean((req.socket as TLSSocket).encrypted) || forwarded === "https";
}

function allowMethod(req: IncomingMessage, res: ServerResponse, methods: string[]): boolean {
  if (methods.includes(req.method ?? "")) return true;
  res.setHeader("Allow", methods.join(", "));
  send(res, 405, "text/plain", "Method Not Allowed\n");
  return false;
}

function notFound(res: ServerResponse): void {
  send(res, 404, "text/plain", "Not Found\n");
}

function unauthorized(res: ServerResponse, type: string, body: string): void {
  res.setHeader("WWW-Authenticate", 'Bearer realm="mirror-bot"');
  send(res, 401, type, body);
}

function redirect(res: ServerResponse, location: string): void {
  res.setHeader("Location", location);
  send(res, 303, "text/plain", `See ${location}\n`);
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  const contentType = type.includes("charset") ? type : `${type}; charset=utf-8`;
  res.writeHead(status, {
    "Content-Type": contentType,
    "Content-Length": Buffer.byteLength(body),
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    ...(type === "text/html" && { "Content-Security-Policy": CSP, "X-Frame-Options": "DENY" }),
  });
  res.end(body);
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export interface StatusEnv {
  adminToken?: string;
  metricsPublic: boolean;
}
