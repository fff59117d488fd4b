/**
 * The operator's status page in a REAL headless Chromium: refused without the token, sign-in
 * through the login form, the mirrors listed, the "failing" filter, and a screenshot for the docs
 * (docs/status-page.png). Skipped without Chromium (test/system/requirements.js); CI installs it.
 *
 * `startStatusSite` is the only thing that knows what serves the page: the REAL app process
 * (MIRROR_ADMIN_TOKEN set) against the sandbox, after a push to a repository that mirrors and to
 * one whose .mirror.yml names a GitLab project that does not exist. Also /metrics, with the token.
 *
 * @requires-system chromium
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { startApp, startSandbox, waitFor, type AppProcess } from "../../sandbox/index.js";
import { launchChromium } from "../helpers/chromium.js";
import { closeAll } from "../helpers/close-all.js";

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
  const sandbox = await startSandbox();
  let app: AppProcess | undefined;
  try {
    // One mirror that works, and one whose .mirror.yml names a GitLab project that does not exist.
    // Made before the app starts: its start-up sync takes the first commit, the push below the next.
    await sandbox.gitlab.createProject({ path: "mirrors/website" });
    const succeeding = await sandbox.github.createRepo({ owner: "octo", name: "website", files: { ".mirror.yml": "mirrors:\n  - gitlab: mirrors/website\n" } });
    const failing = await sandbox.github.createRepo({ owner: "octo", name: "api-server", files: { ".mirror.yml": "mirrors:\n  - gitlab: mirrors/api-server\n" } });
    app = await startApp(sandbox.appEnv({ MIRROR_ADMIN_TOKEN: adminToken, MIRROR_RETRY_BASE_MS: "50" }));
    for (const [repo, project] of [
      [succeeding.fullName, "mirrors/website"],
      [failing.fullName, "mirrors/api-server"],
    ] as const) {
      const push = await sandbox.github.commitAndPush(repo, { branch: "main", files: { "index.html": "<h1>hello</h1>\n" } });
      expect((await sandbox.github.deliver(app.webhookUrl, "push", sandbox.github.pushEvent(repo, push))).status).toBe(200);
      await waitFor(
        async () => (await sandbox.github.checkRuns(repo)).find((r: any) => r.head_sha === push.after && r.name === `GitLab mirror (${project})` && r.status === "completed"),
        { timeoutMs: 20_000, what: `the mirror check run on ${repo}` },
      );
    }
    const started = app;
    return {
      baseUrl: app.url,
      adminToken,
      succeeding: succeeding.fullName,
      failing: failing.fullName,
      stop: () =>
        closeAll(
          () => started.stop(),
          () => sandbox.close(),
        ),
    };
  } catch (error) {
    await closeAll(
      () => app?.kill("SIGKILL"),
      () => sandbox.close(),
    );
    throw error;
  }
}

let site: StatusSite;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let consoleErrors: string[];

beforeAll(async () => {
  browser = await launchChromium();
  site = await startStatusSite();
});

afterAll(async () => {
  await closeAll(
    () => browser?.close(),
    () => site?.stop(),
  );
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

  // The docs screenshot is made by `npm run screenshot`, never by `npm test` (the tree stays as it was).
  if (process.env.MIRROR_SCREENSHOT === "1") {
    await mkdir(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  }
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

it("serves /metrics with the token only, counting the successful mirror run", async () => {
  const refused = await fetch(`${site.baseUrl}/metrics`);
  expect(refused.status).toBe(401);
  expect(await refused.text()).not.toContain("mirror_jobs_total");

  const response = await fetch(`${site.baseUrl}/metrics`, { headers: { authorization: `Bearer ${site.adminToken}` } });
  expect(response.status).toBe(200);
  const text = await response.text();
  const success = /^mirror_jobs_total\{direction="push",result="success"\} (\d+)$/m.exec(text);
  expect(Number(success?.[1])).toBeGreaterThan(0);
  const failure = /^mirror_jobs_total\{direction="push",result="failure"\} (\d+)$/m.exec(text);
  expect(Number(failure?.[1])).toBeGreaterThan(0);
});
