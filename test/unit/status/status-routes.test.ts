/** The status routes through a real node http server on 127.0.0.1:0, asked with fetch. */
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { clearSecretsForTests, registerSecret } from "../../../src/secrets.js";
import { MemoryStatusStore } from "../../../src/status/memory-store.js";
import { createMetrics } from "../../../src/status/metrics.js";
import { createStatusHandler, type StatusHandlerOptions } from "../../../src/status/status-routes.js";
import type { StatusStore } from "../../../src/status/types.js";
import { failingRecord, statusRecord } from "./records.js";

const TOKEN = "admin-token-0123456789abcdef";
const PRIVATE_NAME = "secret-skunkworks";

interface Served {
  url: (path: string) => string;
  close(): Promise<void>;
}

const servers: Served[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  clearSecretsForTests();
});

async function filledStore(): Promise<MemoryStatusStore> {
  const store = new MemoryStatusStore();
  await store.record(statusRecord());
  await store.record(failingRecord());
  await store.record(statusRecord({ repo: PRIVATE_NAME, target: `group/${PRIVATE_NAME}`, private: true }));
  return store;
}

/** Serves the handler alone; a request it does not take gets 418, so "not mine" is visible. */
async function serve(options: Partial<StatusHandlerOptions> = {}): Promise<Served> {
  const handler = createStatusHandler({
    store: options.store ?? (await filledStore()),
    registry: options.registry ?? createMetrics().registry,
    metricsPublic: false,
    ...options,
  });
  const server = http.createServer(async (req, res) => {
    if (!(await handler(req, res))) res.writeHead(418).end("not handled");
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const served = {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  servers.push(served);
  return served;
}

const bearer = { authorization: `Bearer ${TOKEN}` };

async function login(s: Served, token: string): Promise<Response> {
  return fetch(s.url("/mirror/login"), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token }).toString(),
    redirect: "manual",
  });
}

describe("without MIRROR_ADMIN_TOKEN", () => {
  it.each([
    ["GET", "/mirror/status"],
    ["GET", "/mirror/api/status"],
    ["POST", "/mirror/login"],
    ["GET", "/mirror"],
    ["GET", "/metrics"],
  ])("%s %s is 404: the feature is off", async (method, path) => {
    const s = await serve();
    const res = await fetch(s.url(path), { method, headers: bearer, redirect: "manual" });
    expect(res.status).toBe(404);
  });

  it("still serves /metrics when it is public", async () => {
    const s = await serve({ metricsPublic: true });
    const res = await fetch(s.url("/metrics"));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("# TYPE mirror_jobs_total counter");
  });
});

describe("with MIRROR_ADMIN_TOKEN", () => {
  it("leaves other paths to the next handler", async () => {
    const s = await serve({ adminToken: TOKEN });
    for (const path of ["/", "/mirror/other", "/api/github/webhooks", "/metricsx"]) {
      expect((await fetch(s.url(path))).status).toBe(418);
    }
  });

  it.each([
    ["no token", {}],
    ["a wrong token", { authorization: "Bearer wrong-token-0123456789" }],
    ["the token as Basic auth", { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString("base64")}` }],
  ])("answers the page with 401 and a login form for %s", async (_what, headers) => {
    const s = await serve({ adminToken: TOKEN });
    const res = await fetch(s.url("/mirror/status"), { headers });
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="mirror-bot"');
    const html = await res.text();
    expect(html).toContain('<input type="password" id="token" name="token"');
    expect(html).not.toContain("octo/");
  });

  it.each([
    ["no token", {}],
    ["a wrong token", { authorization: "Bearer wrong-token-0123456789" }],
  ])("answers the API with 401 JSON for %s", async (_what, headers) => {
    const s = await serve({ adminToken: TOKEN });
    const res = await fetch(s.url("/mirror/api/status"), { headers });
    expect(res.status).toBe(401);
    await expect(res.json()).resolves.toEqual({ error: "unauthorized", message: expect.stringContaining("Bearer") });
  });

  it("serves the page to a Bearer token, with a strict CSP and no caching", async () => {
    const s = await serve({ adminToken: TOKEN });
    const res = await fetch(s.url("/mirror/status"), { headers: bearer });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toMatch(/^default-src 'none'; style-src 'sha256-[\w+/=]+'; form-action 'self'/);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const html = await res.text();
    for (const name of ["octo/hello", "octo/broken", `octo/${PRIVATE_NAME}`]) expect(html).toContain(name);
  });

  it("serves the JSON API to a Bearer token, with the same filter", async () => {
    const s = await serve({ adminToken: TOKEN });
    const all = await (await fetch(s.url("/mirror/api/status"), { headers: bearer })).json();
    expect(all.mirrors.map((m: { repo: string }) => m.repo)).toEqual(["broken", "hello", PRIVATE_NAME]);
    const failing = await (await fetch(s.url("/mirror/api/status?show=failing"), { headers: bearer })).json();
    expect(failing).toEqual({ mirrors: [failingRecord()] });
  });

  it("logs in with the form: a signed HttpOnly cookie, a 303 to the page, and the cookie then works", async () => {
    const s = await serve({ adminToken: TOKEN });
    const res = await login(s, TOKEN);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/mirror/status");
    const [setCookie, ...more] = res.headers.getSetCookie();
    expect(more).toEqual([]);
    expect(setCookie).toMatch(/^mirror_admin=v1\.\d+\.[\w-]{43}; Path=\/mirror; Max-Age=43200; HttpOnly; SameSite=Strict$/);
    expect(setCookie).not.toContain(TOKEN);
    const cookie = setCookie!.split(";")[0]!;

    const page = await fetch(s.url("/mirror/status?show=failing"), { headers: { cookie } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("octo/broken");
    expect(html).not.toContain("octo/hello");
    expect((await fetch(s.url("/mirror/api/status"), { headers: { cookie } })).status).toBe(200);
  });

  it("marks the cookie Secure behind an https proxy", async () => {
    const s = await serve({ adminToken: TOKEN });
    const res = await fetch(s.url("/mirror/login"), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-forwarded-proto": "https" },
      body: `token=${TOKEN}`,
      redirect: "manual",
    });
    expect(res.headers.getSetCookie()[0]).toMatch(/; Secure$/);
  });

  it.each([
    ["a wrong token", "wrong-token-0123456789"],
    ["an empty token", ""],
    ["the token with a space after it", `${TOKEN} `],
  ])("refuses %s at login with 401 and the form again, setting no cookie", async (_what, token) => {
    const s = await serve({ adminToken: TOKEN });
    const res = await login(s, token);
    expect(res.status).toBe(401);
    expect(res.headers.getSetCookie()).toEqual([]);
    const html = await res.text();
    expect(html).toContain('role="alert"');
    expect(html).toContain('type="password"');
  });

  it.each([
    ["a changed signature", (c: string) => c.slice(0, -2) + (c.endsWith("AA") ? "BB" : "AA")],
    ["a changed issue time", (c: string) => c.replace(/v1\.(\d+)\./, (_m, t: string) => `v1.${Number(t) + 1}.`)],
    ["no signature", (c: string) => c.replace(/\.[\w-]+$/, ".")],
    ["another cookie name", (c: string) => c.replace("mirror_admin=", "mirror_admin2=")],
    ["the token as the cookie", () => `mirror_admin=${TOKEN}`],
  ])("refuses a cookie with %s", async (_what, tamper) => {
    const s = await serve({ adminToken: TOKEN });
    const cookie = tamper((await login(s, TOKEN)).headers.getSetCookie()[0]!.split(";")[0]!);
    expect((await fetch(s.url("/mirror/status"), { headers: { cookie } })).status).toBe(401);
    expect((await fetch(s.url("/mirror/api/status"), { headers: { cookie } })).status).toBe(401);
  });

  it("refuses a cookie from a server with another admin token", async () => {
    const other = await serve({ adminToken: "other-token-0123456789abcdef" });
    const s = await serve({ adminToken: TOKEN });
    const cookie = (await login(other, "other-token-0123456789abcdef")).headers.getSetCookie()[0]!.split(";")[0]!;
    expect((await fetch(s.url("/mirror/status"), { headers: { cookie } })).status).toBe(401);
  });

  it("closes /metrics unless public: 401 without the token, 200 with it", async () => {
    const closed = await serve({ adminToken: TOKEN });
    const refused = await fetch(closed.url("/metrics"));
    expect(refused.status).toBe(401);
    expect(await refused.text()).not.toContain("mirror_jobs_total");
    const allowed = await fetch(closed.url("/metrics"), { headers: bearer });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await allowed.text()).toContain("# TYPE mirror_jobs_total counter");

    const open = await serve({ adminToken: TOKEN, metricsPublic: true });
    expect((await fetch(open.url("/metrics"))).status).toBe(200);
  });

  it("never shows a repository name to an unauthenticated request", async () => {
    const s = await serve({ adminToken: TOKEN, metricsPublic: true });
    const requests: [string, RequestInit][] = [
      ["/mirror/status", {}],
      ["/mirror/status?show=all", {}],
      ["/mirror/status", { headers: { authorization: "Bearer wrong-token-0123456789" } }],
      ["/mirror/status", { headers: { cookie: "mirror_admin=v1.1.x" } }],
      ["/mirror/api/status", {}],
      ["/mirror/api/status?show=failing", {}],
      ["/mirror/login", { method: "POST", body: "token=wrong-token-0123456789", headers: { "content-type": "application/x-www-form-urlencoded" } }],
      ["/mirror/login", { method: "GET" }],
      ["/mirror", {}],
      ["/metrics", {}],
    ];
    for (const [path, init] of requests) {
      const res = await fetch(s.url(path), { ...init, redirect: "manual" });
      const everything = JSON.stringify([...res.headers]) + (await res.text());
      expect({ path, status: res.status, leaks: everything.includes(PRIVATE_NAME) }).toEqual({ path, status: res.status, leaks: false });
      expect(everything).not.toContain("octo/hello");
      expect(everything).not.toContain(TOKEN);
    }
    // ...while an authenticated request does see it, so the check above is not vacuous.
    expect(await (await fetch(s.url("/mirror/status"), { headers: bearer })).text()).toContain(PRIVATE_NAME);
  });

  it("redacts registered secrets from what it shows, even if a record held one", async () => {
    registerSecret("glpat-leaked-secret-123", "long-lived");
    const store = new MemoryStatusStore();
    await store.record(failingRecord({ lastError: "push refused for glpat-leaked-secret-123", targetUrl: "https://user:pw@gitlab.example/x" }));
    const s = await serve({ adminToken: TOKEN, store });
    const text = await (await fetch(s.url("/mirror/api/status"), { headers: bearer })).text();
    expect(text).not.toContain("glpat-leaked-secret-123");
    expect(text).toContain("push refused for ***");
    expect(text).toContain("https://***@gitlab.example/x");
  });

  it("redirects /mirror and GET /mirror/login to the page", async () => {
    const s = await serve({ adminToken: TOKEN });
    for (const path of ["/mirror", "/mirror/", "/mirror/login"]) {
      const res = await fetch(s.url(path), { redirect: "manual" });
      expect([path, res.status, res.headers.get("location")]).toEqual([path, 303, "/mirror/status"]);
    }
  });

  it("answers a wrong method with 405 and Allow", async () => {
    const s = await serve({ adminToken: TOKEN });
    const res = await fetch(s.url("/mirror/status"), { method: "POST", headers: bearer });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, HEAD");
  });

  it("refuses a login body over 4 KiB with 413", async () => {
    const s = await serve({ adminToken: TOKEN });
    const res = await fetch(s.url("/mirror/login"), { method: "POST", body: `token=${"x".repeat(5000)}` });
    expect(res.status).toBe(413);
  });

  it("answers 503 and logs when the store fails, without details in the response", async () => {
    const errors: unknown[] = [];
    const store: StatusStore = { record: async () => undefined, list: async () => Promise.reject(new Error("redis at 10.0.0.7 is down")), removeRepository: async () => 0 };
    const s = await serve({ adminToken: TOKEN, store, log: { error: (...args: unknown[]) => void errors.push(args) } });
    const res = await fetch(s.url("/mirror/status"), { headers: bearer });
    expect(res.status).toBe(503);
    expect(await res.text()).not.toContain("10.0.0.7");
    expect(errors).toHaveLength(1);
  });
});
