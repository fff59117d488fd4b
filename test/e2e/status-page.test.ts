/**
 * The operator's status page in a REAL headless Chromium: refused without the token, sign-in
 * through the login form, the mirrors listed, the "failing" filter, and a screenshot for the docs
 * (docs/status-page.png). Fails (does not skip) without Chromium: CI installs it.
 *
 * `startStatusSite` is the only thing that knows what serves the page. Today it is the status
 * handler on a plain node http server with a store holding one succeeding and one failing mirror;
 * to run against the real app process after a sandbox push, replace that one function.
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { MemoryStatusStore } from "../../src/status/memory-store.js";
import { createMetrics } from "../../src/status/metrics.js";
import { createStatusHandler } from "../../src/status/status-routes.js";

/** CHROMIUM_PATH for a machine that has it elsewhere (e.g. macOS). */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SCREENSHOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../docs/status-page.png");

interface StatusSite {
  baseUrl: string;
  adminToken: string;
  /** owner/repo of a mirror whose last run succeeded, and of one whose last run failed. */
  succeeding: string;
  failing: string;
  stop(): Promise<void>;
}

async function startStatusSite(): Promise<StatusSite> {
  const adminToken = "e2e-admin-token-0123456789abcdef";
  const store = new MemoryStatusStore();
  // A fixed clock keeps the screenshot the same from run to run.
  const now = new Date("2024-05-01T12:05:00Z");
  const lastSyncAt = "2024-05-01T12:01:00Z";
  await store.record({
    installationId: 7,
    owner: "octo",
    repo: "website",
    private: false,
    direction: "push",
    target: "mirrors/website",
    targetUrl: "https://gitlab.example/mirrors/website",
    lastSyncAt,
    lastResult: "success",
    lastTitle: "Mirrored 3 refs to mirrors/website",
    lagRefs: 0,
    durationMs: 2300,
    consecutiveFailures: 0,
  });
  await store.record({
    installationId: 7,
    owner: "octo",
    repo: "api-server",
    private: true,
    direction: "push",
    target: "mirrors/api-server",
    targetUrl: "https://gitlab.example/mirrors/api-server",
    lastSyncAt,
    lastResult: "failure",
    lastTitle: "1 ref refused: main diverged on GitLab",
    lastError: "main has 2 commits on GitLab that are not on GitHub. Merge them into GitHub, or set force: true in .mirror.yml to overwrite GitLab.",
    lagRefs: 1,
    durationMs: 4100,
    consecutiveFailures: 2,
  });
  const handler = createStatusHandler({ store, registry: createMetrics().registry, adminToken, metricsPublic: false, now: () => now });
  const server = http.createServer(async (req, res) => {
    if (!(await handler(req, res))) res.writeHead(404).end();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    adminToken,
    succeeding: "octo/website",
    failing: "octo/api-server",
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let site: StatusSite;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let consoleErrors: string[];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}; the status page test needs it: apt-get install chromium`);
  }
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  site = await startStatusSite();
});

afterAll(async () => {
  await browser?.close();
  await site?.stop();
});

beforeEach(async () => {
  context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  page = await context.newPage();
  consoleErrors = [];
  // A CSP violation (e.g. the stylesheet's hash out of date) shows up here. The login page's own
  // 401 is logged too ("Failed to load resource"), and is expected.
  page.on("console", (message) => {
    if (message.type() === "error" && !message.text().includes("status of 401")) consoleErrors.push(message.text());
  });
});

afterEach(async () => {
  await context?.close();
});

async function signIn(): Promise<void> {
  await page.goto(`${site.baseUrl}/mirror/status`);
  await page.fill("#token", site.adminToken);
  await Promise.all([page.waitForURL(`${site.baseUrl}/mirror/status`, { waitUntil: "load" }), page.click("button[type=submit]")]);
}

function repositories(): Promise<string[]> {
  return page.locator("tbody tr td:first-child").allTextContents();
}

it("refuses the page without the token: a login form, and no repository names", async () => {
  const response = await page.goto(`${site.baseUrl}/mirror/status`);
  expect(response?.status()).toBe(401);
  expect(await page.locator("input[type=password]#token").isVisible()).toBe(true);
  const text = await page.content();
  expect(text).not.toContain(site.succeeding);
  expect(text).not.toContain(site.failing);

  await page.fill("#token", "wrong-token-0123456789");
  await Promise.all([page.waitForURL(`${site.baseUrl}/mirror/login`), page.click("button[type=submit]")]);
  expect(await page.locator("[role=alert]").textContent()).toContain("That token is not right");
  expect(await page.content()).not.toContain(site.failing);
  expect(await context.cookies()).toEqual([]);
});

it("signs in with the token and lists every mirrored repository, styled", async () => {
  await signIn();
  expect((await repositories()).map((name) => name.replace(/private$/, "").trim())).toEqual([site.failing, site.succeeding]);
  expect(await page.locator("tr.failure .failed").textContent()).toBe("✗ Failed");
  // The inline stylesheet is allowed by its hash in the CSP: the failure is red, not default black.
  expect(await page.locator("tr.failure .failed").evaluate((el) => getComputedStyle(el).color)).toBe("rgb(209, 36, 47)");

  const [cookie, ...others] = await context.cookies();
  expect(others).toEqual([]);
  expect(cookie).toMatchObject({ name: "mirror_admin", path: "/mirror", httpOnly: true, sameSite: "Strict" });
  expect(await page.evaluate(() => document.cookie)).toBe(""); // HttpOnly: scripts cannot read it
  expect(consoleErrors).toEqual([]);

  await mkdir(path.dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
});

it("shows only the failing mirror under the Failing filter, and everything again under All", async () => {
  await signIn();
  await Promise.all([page.waitForURL(/\?show=failing$/), page.click("nav a[href='?show=failing']")]);
  const failingOnly = await repositories();
  expect(failingOnly).toHaveLength(1);
  expect(failingOnly[0]).toContain(site.failing);
  expect(await page.locator("nav a[aria-current=page]").textContent()).toBe("Failing (1)");

  await Promise.all([page.waitForURL(/\?show=all$/), page.click("nav a[href='?show=all']")]);
  expect(await repositories()).toHaveLength(2);
});
