/**
 * `npm run demo`: mirror-bot working end to end with no account. Starts a fake GitHub and GitLab
 * (real git over smart HTTP), runs the real app against them, pushes with real git, delivers the
 * signed webhook, and prints the check run and the refs on both sides.
 */
import { startApp, startSandbox, waitFor } from "./index.js";

const say = (text: string) => console.log(`\n▶ ${text}`);

async function main(): Promise<void> {
  say("Starting a fake GitHub and a fake GitLab on 127.0.0.1 (git served by `git http-backend`)");
  const sandbox = await startSandbox();
  console.log(`  GitHub API: ${sandbox.github.apiUrl}\n  GitLab API: ${sandbox.gitlab.apiUrl}`);
  const app = await startApp(sandbox.appEnv({ LOG_LEVEL: "warn" }));
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

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
