/**
 * `npm run screenshot:pipeline`: docs/pipeline-check-run.png, a GitLab pipeline as a check run,
 * rendered from the sandbox. The real app mirrors a push to the fake GitLab, GitLab CI fails one
 * job (another is allowed to fail), and the check run the app wrote on the fake GitHub is shown
 * as GitHub lays it out (github/check-run-page.ts) in headless Chromium. Never run by `npm test`.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { chromium } from "playwright-core";
import { accessSync, constants } from "node:fs";
import { renderCheckRunPage } from "./github/check-run-page.js";
import { startApp, startSandbox, waitFor } from "./index.js";

const OUT = path.resolve("docs/pipeline-check-run.png");

/** A failing job's log as a runner writes it: colours, collapsible sections, a Jest failure at the end. */
const API_LOG = [
  "\x1b[0KRunning with gitlab-runner 17.0.0 (sandbox)\x1b[0;m",
  'section_start:1700000000:prepare_executor\r\x1b[0K\x1b[0K\x1b[36;1mPreparing the "docker" executor\x1b[0;m',
  "\x1b[0KUsing docker image node:20 ...\x1b[0;m",
  "section_end:1700000004:prepare_executor\r\x1b[0K",
  'section_start:1700000004:step_script\r\x1b[0K\x1b[0K\x1b[36;1mExecuting "step_script" stage of the job script\x1b[0;m',
  "\x1b[32;1m$ npm ci\x1b[0;m",
  "added 412 packages in 9s",
  "\x1b[32;1m$ npm run test:api\x1b[0;m",
  "",
  "> hello@1.0.0 test:api",
  "> jest test/api",
  "",
  "\x1b[32mPASS\x1b[39m test/api/health.test.ts",
  "\x1b[31mFAIL\x1b[39m test/api/orders.test.ts",
  "  \x1b[1m● orders › creates an order and returns 201\x1b[22m",
  "",
  "    expect(received).toBe(expected) // Object.is equality",
  "",
  "    Expected: \x1b[32m201\x1b[39m",
  "    Received: \x1b[31m500\x1b[39m",
  "",
  '      40 |     const res = await request(app).post("/orders").send({ sku: "A-1", qty: 2 });',
  "      41 |",
  "    > 42 |     expect(res.status).toBe(201);",
  "         |                        ^",
  "      43 |   });",
  "",
  "      at Object.<anonymous> (test/api/orders.test.ts:42:24)",
  "",
  "Tests:       \x1b[31m1 failed\x1b[39m, \x1b[32m57 passed\x1b[39m, 58 total",
  "section_end:1700000131:step_script\r\x1b[0K",
  "\x1b[31;1mERROR: Job failed: exit code 1\x1b[0;m",
  "",
].join("\n");

function runnable(file: string | undefined): file is string {
  try {
    return !!file && (accessSync(file, constants.X_OK), true);
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const executablePath = [process.env.CHROMIUM_PATH, ...(process.env.PATH ?? "").split(path.delimiter).map((dir) => path.join(dir, "chromium"))].find(runnable);
  if (!executablePath) throw new Error("Chromium is not installed (CHROMIUM_PATH, or chromium on PATH): sudo apt-get install chromium");
  const sandbox = await startSandbox();
  const env = sandbox.appEnv({ LOG_LEVEL: "warn" });
  const app = await startApp({ ...env, MIRROR_PUBLIC_URL: `http://127.0.0.1:${env.PORT}` });
  try {
    const project = "acme/platform/hello";
    await sandbox.gitlab.createProject({ path: project });
    const { fullName } = await sandbox.github.createRepo({
      owner: "acme",
      name: "hello",
      files: { ".mirror.yml": `mirrors:\n  - gitlab: ${project}\n`, "README.md": "# hello\n" },
    });
    const push = await sandbox.github.commitAndPush(fullName, { branch: "main", files: { "api.ts": "export const ok = true;\n" }, message: "Add the API" });
    await sandbox.github.deliver(app.webhookUrl, "push", sandbox.github.pushEvent(fullName, push));
    await waitFor(async () => (await sandbox.gitlab.refs(project)).get("refs/heads/main") === push.after, { timeoutMs: 30_000, what: "the mirror" });
    await waitFor(() => sandbox.gitlab.hooks(project).some((h) => h.pipeline_events), { timeoutMs: 30_000, what: "the app's pipeline hook" });

    const pipeline = sandbox.gitlab.createPipeline(project, {
      sha: push.after,
      ref: "refs/heads/main",
      jobs: [
        { name: "compile", stage: "build", durationS: 48 },
        { name: "unit", stage: "test", durationS: 95 },
        { name: "api", stage: "test", durationS: 131, log: API_LOG },
        { name: "lint", stage: "test", allowFailure: true, durationS: 22 },
        { name: "deploy-staging", stage: "deploy" },
      ],
    });
    await sandbox.gitlab.runPipeline(project, pipeline.id, { api: "failed", lint: "failed" });
    const run = await waitFor(() => sandbox.github.checkRuns(fullName).find((r) => r.name.startsWith("GitLab CI") && r.status === "completed") ?? null, {
      timeoutMs: 30_000,
      what: "the pipeline's check run",
    });
    const html = renderCheckRunPage(run, fullName).replaceAll(sandbox.gitlab.url, "https://gitlab.example.com");
    const browser = await chromium.launch({ executablePath, args: ["--headless", "--no-sandbox", "--disable-gpu"] });
    try {
      // The top of the page, as a reader first sees it: the title, the table, the failing job's log.
      const page = await browser.newPage({ viewport: { width: 1060, height: 1240 }, deviceScaleFactor: 1 });
      await page.setContent(html, { waitUntil: "load" });
      await writeFile(OUT, await page.screenshot());
    } finally {
      await browser.close();
    }
    console.log(`wrote ${OUT}`);
  } finally {
    await app.stop();
    await sandbox.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
