/**
 * `npm run demo`: mirror-bot working end to end with no account. Starts a fake GitHub and GitLab
 * (real git over smart HTTP), runs the real app against them, pushes with real git, delivers the
 * signed webhook, and prints the check run and the refs on both sides. Then GitLab CI runs on the
 * mirrored commit: its pipeline appears on the GitHub commit as a check run, goes red with the
 * failing job's log, and goes green after **Re-run**.
 */
import { startApp, startSandbox, waitFor, type AppProcess, type Sandbox } from "./index.js";

const say = (text: string) => console.log(`\n▶ ${text}`);

async function main(): Promise<void> {
  say("Starting a fake GitHub and a fake GitLab on 127.0.0.1 (git served by `git http-backend`)");
  const sandbox = await startSandbox();
  console.log(`  GitHub API: ${sandbox.github.apiUrl}\n  GitLab API: ${sandbox.gitlab.apiUrl}`);
  const env = sandbox.appEnv({ LOG_LEVEL: "warn" });
  // Where GitLab sends its pipeline events: the app registers its project hook with this URL.
  const app = await startApp({ ...env, MIRROR_PUBLIC_URL: `http://127.0.0.1:${env.PORT}` });
  console.log(`  mirror-bot: ${app.url} (webhooks at ${app.webhookUrl})`);
  try {
    const project = "acme/platform/hello";
    await sandbox.gitlab.createProject({ path: project });
    const mirrorYml = `mirrors:\n  - gitlab: ${project}\n    branches: ["main", "release/*"]\n    tags: true\n`;
    const { fullName } = await sandbox.github.createRepo({ owner: "octo", name: "hello", files: { ".mirror.yml": mirrorYml, "README.md": "# hello\n" } });
    say(`Created GitHub repository ${fullName} with .mirror.yml:\n${mirrorYml.replace(/^/gm, "    ")}`);

    const push = await sandbox.github.commitAndPush(fullName, { branch: "main", files: { "hello.txt": "hello, mirror\n" }, message: "Say hello", tag: "v1.0.0" });
    say(`Pushed ${push.after.slice(0, 7)} to main (and tag v1.0.0) with real git; delivering the signed push webhook`);
    const started = Date.now();
    const delivery = await sandbox.github.deliver(app.webhookUrl, "push", sandbox.github.pushEvent(fullName, push));
    console.log(`  webhook answered ${delivery.status} in ${delivery.ms.toFixed(1)} ms`);

    await waitFor(async () => (await sandbox.gitlab.refs(project)).get("refs/heads/main") === push.after, { timeoutMs: 30_000, what: "the mirror to GitLab" });
    console.log(`  GitLab has main at ${push.after.slice(0, 7)} ${Date.now() - started} ms after the webhook`);
    const check = await waitFor(() => sandbox.github.checkRuns(fullName).find((r) => r.head_sha === push.after && r.status === "completed"), {
      timeoutMs: 30_000,
      what: "the check run",
    });
    say(`Check run on ${push.after.slice(0, 7)}: "${check.name}" → ${check.conclusion}`);
    console.log(`  title:   ${check.output.title}\n  summary: ${check.output.summary}\n${(check.output.text ?? "").replace(/^/gm, "  ")}`);

    say("Refs on both sides");
    const github = await sandbox.github.refs(fullName);
    const gitlab = await sandbox.gitlab.refs(project);
    for (const ref of new Set([...github.keys(), ...gitlab.keys()])) {
      console.log(`  ${ref.padEnd(22)} GitHub ${github.get(ref)?.slice(0, 7) ?? "—      "}   GitLab ${gitlab.get(ref)?.slice(0, 7) ?? "—"}`);
    }

    await showPipeline(sandbox, app, fullName, project, push.after);

    say("Someone commits directly on GitLab's main, then a developer pushes to GitHub's main");
    await sandbox.gitlab.commitAndPush(project, { branch: "main", files: { "gitlab-only.txt": "made on GitLab\n" }, message: "Hotfix on GitLab" });
    const next = await sandbox.github.commitAndPush(fullName, { branch: "main", files: { "hello.txt": "hello again\n" }, message: "Say hello again" });
    await sandbox.github.deliver(app.webhookUrl, "push", sandbox.github.pushEvent(fullName, next));
    const refused = await waitFor(() => sandbox.github.checkRuns(fullName).find((r) => r.head_sha === next.after && r.status === "completed"), {
      timeoutMs: 30_000,
      what: "the divergence report",
    });
    console.log(`  "${refused.name}" → ${refused.conclusion}\n  title: ${refused.output.title}\n\n${(refused.output.summary ?? "").replace(/^/gm, "  ")}`);
    say("Nothing was overwritten on GitLab. Done.");
  } finally {
    await app.stop();
    await sandbox.close();
  }
}

/** GitLab CI on the mirrored commit, as a check run on GitHub: red with the log, then green after Re-run. */
async function showPipeline(sandbox: Sandbox, app: AppProcess, fullName: string, project: string, sha: string): Promise<void> {
  const [hook] = sandbox.gitlab.hooks(project);
  say(`mirror-bot registered a GitLab webhook for pipeline and job events (pipeline_events: ${hook?.pipeline_events}, job_events: ${hook?.job_events})`);
  say("GitLab CI starts a pipeline on the mirrored commit: build, then test and lint (lint may fail)");
  const pipeline = sandbox.gitlab.createPipeline(project, {
    sha,
    ref: "refs/heads/main",
    jobs: [
      { name: "build", stage: "build" },
      { name: "test", stage: "test" },
      { name: "lint", stage: "test", allowFailure: true },
    ],
  });
  const name = `GitLab CI (${project})`;
  const run = (externalId: string, done: boolean) =>
    waitFor(() => sandbox.github.checkRuns(fullName).find((r) => r.name === name && r.external_id === externalId && (!done || r.status === "completed")) ?? null, {
      timeoutMs: 30_000,
      what: `the check run of pipeline ${externalId}`,
    });
  const queued = await run(String(pipeline.id), false);
  console.log(`  "${queued.name}" on ${sha.slice(0, 7)}: ${queued.status} (details: ${queued.details_url ?? "—"})`);

  await sandbox.gitlab.runPipeline(project, pipeline.id, { test: "failed", lint: "failed" });
  const red = await run(String(pipeline.id), true);
  console.log(`  → ${red.conclusion}: ${red.output.title}\n\n${indent(red.output.summary ?? "")}\n\n${indent(red.output.text ?? "")}`);

  say("A developer clicks Re-run on the check run; GitLab retries the pipeline, which passes this time");
  await sandbox.github.deliver(app.webhookUrl, "check_run", sandbox.github.checkRunEvent(fullName, "rerequested", red.id));
  await run(`${pipeline.id}-retry-1`, false);
  await sandbox.gitlab.runPipeline(project, pipeline.id);
  const green = await run(`${pipeline.id}-retry-1`, true);
  console.log(`  → ${green.conclusion}: ${green.output.title}\n\n${indent(green.output.summary ?? "")}`);
}

const indent = (text: string) => text.replace(/^/gm, "    ");

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
