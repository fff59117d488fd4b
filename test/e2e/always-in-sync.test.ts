/**
 * Always in sync, end to end: the real app process (restarted, killed, drained) against the
 * sandbox. Reconciliation at start and on the interval, "Sync now", the CLI, org-wide config with
 * `create: true` (and pushed to the `.github` repository), GitLab's 429 with Retry-After, SIGKILL mid-push, SIGTERM drain, failure issues.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { git, startApp, startSandbox, waitFor, type AppProcess, type Sandbox } from "../../sandbox/index.js";

const MIRROR = (project: string) => `GitLab mirror (${project})`;
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const WAIT = 20_000;

let sandbox: Sandbox;
let app: AppProcess | undefined;
let counter = 0;

async function restart(env: Record<string, string> = {}): Promise<AppProcess> {
  await app?.stop();
  app = await startApp(sandbox.appEnv({ MIRROR_RETRY_BASE_MS: "50", ...env }));
  return app;
}

/** A GitHub repository whose `.mirror.yml` names a fresh GitLab project, already mirrored once. */
async function mirroredPair(options: { mirrorYml?: (project: string) => string } = {}) {
  const id = `${Date.now().toString(36)}${(counter++).toString(36)}`;
  const project = `group/sync/p${id}`;
  const { bareDir: gitlabBareDir } = await sandbox.gitlab.createProject({ path: project });
  const created = await sandbox.github.createRepo({
    owner: "octo",
    name: `r${id}`,
    files: { ".mirror.yml": options.mirrorYml?.(project) ?? `mirrors:\n  - gitlab: ${project}\n`, "README.md": "# hi\n" },
  });
  const repo = created.fullName;
  const first = await sandbox.github.commitAndPush(repo, { branch: "main", files: { "a.txt": "1" } });
  await deliverPush(repo, first);
  await waitForRef(project, "refs/heads/main", first.after);
  return { repo, project, bareDir: created.bareDir, gitlabBareDir, first };
}

async function deliverPush(repo: string, push: { ref: string; before: string; after: string }) {
  return sandbox.github.deliver(app!.webhookUrl, "push", sandbox.github.pushEvent(repo, push));
}

async function waitForRef(project: string, ref: string, sha: string | null, timeoutMs = WAIT) {
  await waitFor(async () => ((await sandbox.gitlab.refs(project)).get(ref) ?? null) === sha, { timeoutMs, what: `GitLab ${project} ${ref} at ${sha}` });
}

function waitForCheck(repo: string, sha: string, name: string, where: (run: any) => boolean = () => true) {
  return waitFor(() => sandbox.github.checkRuns(repo).find((r) => r.head_sha === sha && r.name === name && r.status === "completed" && where(r)), {
    timeoutMs: WAIT,
    what: `completed check run "${name}" on ${sha.slice(0, 7)}`,
  });
}

async function sameRefs(repo: string, project: string): Promise<boolean> {
  const [github, gitlab] = await Promise.all([sandbox.github.refs(repo), sandbox.gitlab.refs(project)]);
  return JSON.stringify([...github].sort()) === JSON.stringify([...gitlab].sort());
}

function cli(args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", ...sandbox.appEnv(extraEnv) };
    execFile(process.execPath, [path.join(ROOT, "bin", "mirror-bot.js"), ...args], { env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  sandbox = await startSandbox();
  await restart();
});

afterAll(async () => {
  await app?.stop();
  await sandbox?.close();
});

afterEach(() => {
  expect(sandbox.github.errors).toEqual([]);
  expect(sandbox.gitlab.errors).toEqual([]);
});

describe("reconciliation", () => {
  it("mirrors a push made while the app was stopped, at start, and reports it on the new commit", async () => {
    const { repo, project } = await mirroredPair();
    await app!.stop();
    const missed = await sandbox.github.commitAndPush(repo, { branch: "main", files: { "missed.txt": "while down" } });
    await restart();

    await waitForRef(project, "refs/heads/main", missed.after);
    const check = await waitForCheck(repo, missed.after, MIRROR(project));
    expect(check.conclusion).toBe("success");
    expect(check.output.title).toMatch(/^Mirrored 1 ref to GitLab/);
    expect(check.actions).toEqual([expect.objectContaining({ identifier: "sync_now", label: "Sync now" })]);
    await app!.waitForLog((line) => line.includes("drift found") && line.includes("startup"), WAIT);
  });

  it("mirrors four tags pushed at once (no webhook) on the interval", async () => {
    await restart({ MIRROR_SYNC_INTERVAL: "2s" });
    const { repo, project, bareDir } = await mirroredPair();
    const commits = [];
    for (let i = 0; i < 4; i++) commits.push(await sandbox.github.commitAndPush(repo, { branch: "main", files: { "t.txt": String(i) } }));
    // Four tags in one go: GitHub sends no push event for these.
    const identity = { GIT_COMMITTER_NAME: "Dev", GIT_COMMITTER_EMAIL: "dev@sandbox.test" };
    for (let i = 0; i < 3; i++) await git(["update-ref", `refs/tags/v1.${i}`, commits[i]!.after], { cwd: bareDir });
    await git(["tag", "-a", "-m", "annotated", "v1.3", commits[3]!.after], { cwd: bareDir, env: identity });

    await waitFor(() => sameRefs(repo, project), { timeoutMs: WAIT, what: "GitLab to have every tag" });
    const tags = [...(await sandbox.gitlab.refs(project)).keys()].filter((r) => r.startsWith("refs/tags/"));
    expect(tags.sort()).toEqual(["refs/tags/v1.0", "refs/tags/v1.1", "refs/tags/v1.2", "refs/tags/v1.3"]);
    // The drift fixed is reported on the tip of main (a commit) with a successful check run.
    const check = await waitForCheck(repo, commits[3]!.after, MIRROR(project));
    expect(check.conclusion).toBe("success");
    await app!.waitForLog((line) => line.includes("drift found") && line.includes('"interval"'), WAIT);
  });
});

describe("manual sync", () => {
  it('"Sync now" on a check run syncs a push whose webhook was lost', async () => {
    await restart();
    const { repo, project, first } = await mirroredPair();
    const check = await waitForCheck(repo, first.after, MIRROR(project));
    const lost = await sandbox.github.commitAndPush(repo, { branch: "main", files: { "lost.txt": "no webhook" } });

    const event = sandbox.github.checkRunEvent(repo, "requested_action", check.id, "sync_now");
    const delivery = await sandbox.github.deliver(app!.webhookUrl, "check_run", event);
    expect(delivery.status).toBe(200);
    await waitForRef(project, "refs/heads/main", lost.after);
    expect((await waitForCheck(repo, lost.after, MIRROR(project))).conclusion).toBe("success");
  });

  it("the CLI prints the drift, syncs it, and then reports the mirror in sync", async () => {
    const { repo, project } = await mirroredPair();
    const lost = await sandbox.github.commitAndPush(repo, { branch: "main", files: { "cli.txt": "no webhook" } });

    const before = await cli(["status", repo]);
    expect(before.stdout).toContain(`${repo} → ${project}: 1 ref(s) differ: refs/heads/main`);
    expect(before.code).toBe(1);

    const sync = await cli(["sync", repo]);
    expect(sync.stderr).not.toContain(sandbox.gitlabToken);
    expect(sync.stdout).toContain(`${repo} → ${project}: success — Mirrored 1 ref to GitLab`);
    expect(sync.stdout).toContain(`fast-forward refs/heads/main`);
    expect(sync.code).toBe(0);
    expect((await sandbox.gitlab.refs(project)).get("refs/heads/main")).toBe(lost.after);
    expect((await waitForCheck(repo, lost.after, MIRROR(project))).conclusion).toBe("success");

    const after = await cli(["status", repo]);
    expect(after.stdout).toContain(`${repo} → ${project}: in sync`);
    expect(after.code).toBe(0);
    expect(await cli(["frobnicate"])).toMatchObject({ code: 2 });
  });
});

describe("the CLI applies the app's access policy", () => {
  it("refuses to sync to a project outside MIRROR_GITLAB_NAMESPACES, as the app does", async () => {
    const { repo, project } = await mirroredPair();
    const lost = await sandbox.github.commitAndPush(repo, { branch: "main", files: { "policy.txt": "no webhook" } });

    const sync = await cli(["sync", repo], { MIRROR_GITLAB_NAMESPACES: "some-other-group" });

    expect(sync.code).toBe(1);
    expect(sync.stdout).toContain(`${repo} → ${project}: failure — GitLab project ${project} is outside the groups this app may mirror (some-other-group)`);
    expect((await sandbox.gitlab.refs(project)).get("refs/heads/main")).not.toBe(lost.after);
  });
});

describe("backup refs", () => {
  const backupsOn = async (project: string) => new Map([...(await sandbox.gitlab.refs(project))].filter(([ref]) => ref.startsWith("refs/mirror-backup/")));

  it("the CLI lists a backup, restores it onto its branch (keeping what it replaces), and deletes one at once", async () => {
    const { repo, project } = await mirroredPair();
    const topic = await sandbox.github.commitAndPush(repo, { branch: "topic", from: "main", files: { "t.txt": "original\n" } });
    await deliverPush(repo, topic);
    await waitForRef(project, "refs/heads/topic", topic.after);
    const amended = await sandbox.github.commitAndPush(repo, { branch: "topic", files: { "t.txt": "amended\n" }, force: true });
    await deliverPush(repo, amended);
    await waitForRef(project, "refs/heads/topic", amended.after);
    const [backupRef] = [...(await backupsOn(project)).keys()];
    expect(backupRef).toMatch(/^refs\/mirror-backup\/heads\/topic\/\d{8}T\d{6}Z$/);

    const listed = await cli(["backups", repo]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^${backupRef}  ${topic.after.slice(0, 7)}  0 h  GitLab ${project}$`, "m"));

    const restored = await cli(["restore", repo, backupRef!]);
    expect(restored.stdout).toContain(`restored topic on GitLab ${project}: ${amended.after.slice(0, 7)} → ${topic.after.slice(0, 7)}`);
    expect(restored.code).toBe(0);
    const gitlab = await sandbox.gitlab.refs(project);
    expect(gitlab.get("refs/heads/topic")).toBe(topic.after);
    const backups = await backupsOn(project);
    expect([...backups.values()].sort()).toEqual([topic.after, amended.after].sort()); // the restored tip's own backup

    for (const ref of backups.keys()) expect(await cli(["backups", "delete", repo, ref])).toMatchObject({ code: 0 });
    expect(await backupsOn(project)).toEqual(new Map());
    expect(await cli(["backups", "delete", repo, backupRef!])).toMatchObject({ code: 1 });
    expect(await cli(["restore", repo, "refs/heads/main"])).toMatchObject({ code: 1 });
  });

  it("reconciliation deletes backups past MIRROR_BACKUP_DAYS and keeps younger ones", async () => {
    const { project, gitlabBareDir, first } = await mirroredPair();
    const stamp = (daysAgo: number) =>
      new Date(Date.now() - daysAgo * 86_400_000)
        .toISOString()
        .replace(/\.\d+Z$/, "Z")
        .replace(/[-:]/g, "");
    const [expired, young] = [`refs/mirror-backup/heads/main/${stamp(8)}`, `refs/mirror-backup/heads/main/${stamp(6)}`];
    for (const ref of [expired, young]) await git(["update-ref", ref, first.after], { cwd: gitlabBareDir });

    await restart({ MIRROR_BACKUP_DAYS: "7" }); // reconciliation runs at start

    await waitFor(async () => !(await sandbox.gitlab.refs(project)).has(expired), { timeoutMs: WAIT, what: `${expired} pruned` });
    expect([...(await backupsOn(project)).keys()]).toEqual([young]);
  });
});

describe("org-wide configuration", () => {
  it("applies the .github template to a repository without .mirror.yml, creating its GitLab project", async () => {
    sandbox.gitlab.createGroup("acme-mirror");
    await sandbox.github.createRepo({
      owner: "acme",
      name: ".github",
      files: { ".mirror.yml": "mirrors:\n  - gitlab: acme-mirror/{repo}\n    create: true\n" },
    });
    const { fullName: repo } = await sandbox.github.createRepo({ owner: "acme", name: "widgets", files: { "README.md": "w" } });
    const push = await sandbox.github.commitAndPush(repo, { branch: "main", files: { "w.txt": "w" } });
    await deliverPush(repo, push);

    await waitForRef("acme-mirror/widgets", "refs/heads/main", push.after);
    const created = sandbox.gitlab.requests.find((r) => r.method === "POST" && r.path === "/api/v4/projects");
    expect(JSON.parse(created!.body)).toMatchObject({ path: "widgets", visibility: "public" });
    expect((await waitForCheck(repo, push.after, MIRROR("acme-mirror/widgets"))).conclusion).toBe("success");
  });

  it("leaves a repository that opts out with mirrors: [] alone", async () => {
    await restart({ LOG_LEVEL: "debug" }); // a job's end is a debug line
    const { fullName: repo } = await sandbox.github.createRepo({ owner: "acme", name: "private-stuff", files: { ".mirror.yml": "mirrors: []\n" } });
    const push = await sandbox.github.commitAndPush(repo, { branch: "main", files: { "p.txt": "p" } });
    const configReads = () => sandbox.github.requests.filter((r) => r.path.startsWith("/api/v3/repos/acme/private-stuff/contents/.mirror.yml") && r.status === 200).length;
    await deliverPush(repo, push);
    await app!.waitForLog((line) => line.includes('"mirror job ended"') && line.includes(`"repo":"${repo}"`), WAIT);
    expect(configReads()).toBeGreaterThan(0); // its own file, which opts out, was read (by the job, and by the scan at start)
    expect(sandbox.gitlab.requests.some((r) => r.path.includes("private-stuff"))).toBe(false);
    expect(sandbox.github.checkRuns(repo)).toEqual([]);
  });
});

describe("org-wide configuration pushed to the .github repository", () => {
  const heads = async (repos: string[]) => Promise.all(repos.map(async (r) => (await sandbox.github.refs(r)).get("refs/heads/main")!));

  it("reconciles every repository the new template covers at once, not on the next hourly pass", async () => {
    sandbox.gitlab.createGroup("globex-mirror");
    const { fullName: dotGithub } = await sandbox.github.createRepo({ owner: "globex", name: ".github", files: { "README.md": "profile" } });
    const covered = [];
    for (const name of ["gadgets", "gizmos"]) covered.push((await sandbox.github.createRepo({ owner: "globex", name, files: { "README.md": name } })).fullName);
    const { fullName: optedOut } = await sandbox.github.createRepo({ owner: "globex", name: "secret", files: { ".mirror.yml": "mirrors: []\n" } });
    const [gadgets, gizmos] = await heads(covered);

    const push = await sandbox.github.commitAndPush(dotGithub, { branch: "main", files: { ".mirror.yml": "mirrors:\n  - gitlab: globex-mirror/{repo}\n    create: true\n" } });
    expect((await deliverPush(dotGithub, push)).status).toBe(200); // through the app's own route

    await waitForRef("globex-mirror/gadgets", "refs/heads/main", gadgets!);
    await waitForRef("globex-mirror/gizmos", "refs/heads/main", gizmos!);
    expect(sandbox.gitlab.requests.some((r) => r.path.includes("secret"))).toBe(false);
    expect(sandbox.github.checkRuns(optedOut)).toEqual([]);
  });

  it("validates the pushed file as the org-wide template, and names what is wrong in a broken one", async () => {
    const CONFIG_CHECK = "Mirror config (.mirror.yml)";
    const { fullName: dotGithub } = await sandbox.github.createRepo({ owner: "initech", name: ".github", files: { "README.md": "profile" } });
    const valid = await sandbox.github.commitAndPush(dotGithub, {
      branch: "main",
      files: { ".mirror.yml": 'mirrors:\n  - gitlab: initech-mirror/{repo}\n    create: true\n    branches: ["main", "release/*"]\n' },
    });
    await deliverPush(dotGithub, valid);
    const passed = await waitForCheck(dotGithub, valid.after, CONFIG_CHECK);
    expect(passed).toMatchObject({
      conclusion: "success",
      output: { title: ".mirror.yml is a valid org-wide template: 1 mirror for each repository of initech without its own .mirror.yml" },
    });
    expect(passed.output.summary).toContain("`initech-mirror/{repo}`");

    const broken = await sandbox.github.commitAndPush(dotGithub, { branch: "main", files: { ".mirror.yml": "mirrors:\n  - gitlab: initech mirror/{repo}\n" } });
    await deliverPush(dotGithub, broken);
    const failed = await waitForCheck(dotGithub, broken.after, CONFIG_CHECK);
    expect(failed.conclusion).toBe("failure");
    expect(failed.output.title).toBe(
      '.mirror.yml is invalid: line 2: gitlab: "initech mirror/{repo}" is not a valid project path (use only letters, digits, "_", "-", "." and "/")',
    );
  });
});

describe("faults survived", () => {
  it("waits what GitLab's 429 Retry-After asks, then mirrors", async () => {
    const { repo, project } = await mirroredPair();
    // The app caches project lookups for 30 s; the mirror's retry forgets them. Fail the push once
    // (a transient 500) so the retry looks the project up again, and rate-limit that lookup.
    sandbox.gitlab.resetRequests();
    sandbox.gitlab.failNext({ method: "POST", path: /git-receive-pack$/, status: 500, count: 1 });
    sandbox.gitlab.failNext({ method: "GET", path: /^\/api\/v4\/projects\//, status: 429, headers: { "retry-after": "2" } });
    const push = await sandbox.github.commitAndPush(repo, { branch: "main", files: { "r.txt": "rate limited" } });
    await deliverPush(repo, push);

    await waitForRef(project, "refs/heads/main", push.after);
    const lookups = sandbox.gitlab.requests.filter((r) => r.method === "GET" && r.path.startsWith("/api/v4/projects/"));
    expect(lookups[0]!.status).toBe(429);
    expect(lookups[1]!.status).toBe(200);
    expect(lookups[1]!.at - lookups[0]!.at).toBeGreaterThanOrEqual(1_950);
  });

  it("SIGKILL in the middle of a multi-ref push: no ref half-updated, and right after restart", async () => {
    const { repo, project } = await mirroredPair();
    const hold = sandbox.gitlab.holdNextPush(project);
    const pushes = [];
    for (const branch of ["main", "one", "two"]) pushes.push(await sandbox.github.commitAndPush(repo, { branch, from: "main", files: { [`${branch}.txt`]: branch } }));
    const before = await sandbox.gitlab.refs(project);
    await deliverPush(repo, pushes[2]!);
    await hold.reached;
    await app!.kill("SIGKILL");
    hold.release();
    await hold.served;

    // The push is atomic: GitLab has all of it or none of it.
    const after = await sandbox.gitlab.refs(project);
    const moved = ["refs/heads/main", "refs/heads/one", "refs/heads/two"].map((ref) => after.get(ref) !== before.get(ref));
    expect(moved.every((m) => m === moved[0])).toBe(true);

    await restart();
    await waitFor(() => sameRefs(repo, project), { timeoutMs: WAIT, what: "GitLab to match GitHub after the restart" });
  });

  it("SIGTERM stops taking jobs, finishes the running one and exits 0", async () => {
    const { repo, project } = await mirroredPair();
    const hold = sandbox.gitlab.holdNextPush(project);
    const push = await sandbox.github.commitAndPush(repo, { branch: "main", files: { "term.txt": "drain" } });
    await deliverPush(repo, push);
    await hold.reached;

    const exited = app!.stop(30_000);
    await app!.waitForLog("SIGTERM: no new jobs", WAIT);
    hold.release();
    expect(await exited).toBe(0);
    expect((await sandbox.gitlab.refs(project)).get("refs/heads/main")).toBe(push.after);
    // Its report was finished before the exit, not abandoned.
    const check = sandbox.github.checkRuns(repo).find((r) => r.head_sha === push.after && r.name === MIRROR(project));
    expect(check).toMatchObject({ status: "completed", conclusion: "success" });
    expect(app!.logs().some((l) => l.includes('"stopped"'))).toBe(true);
    await restart();
  });

  it("opens one issue after three failures in a row and closes it when the mirror recovers", async () => {
    const id = `${Date.now().toString(36)}f`;
    const project = `group/later/p${id}`;
    const { fullName: repo } = await sandbox.github.createRepo({ owner: "octo", name: `f${id}`, files: { ".mirror.yml": `mirrors:\n  - gitlab: ${project}\n` } });
    for (let i = 0; i < 4; i++) {
      const push = await sandbox.github.commitAndPush(repo, { branch: "main", files: { "f.txt": String(i) } });
      await deliverPush(repo, push);
      expect((await waitForCheck(repo, push.after, MIRROR(project))).output.summary).toMatch(/tries again at .*\(in \d+ (s|min)\)/);
    }
    await waitFor(() => sandbox.github.issues(repo).length > 0, { timeoutMs: WAIT, what: "the failure issue" });
    const issues = sandbox.github.issues(repo);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ state: "open", labels: ["mirror-failure"], title: `GitLab mirror to ${project} is failing` });
    expect(issues[0]!.body).toContain("was not found");

    await sandbox.gitlab.createProject({ path: project });
    const fixed = await sandbox.github.commitAndPush(repo, { branch: "main", files: { "f.txt": "fixed" } });
    await deliverPush(repo, fixed);
    await waitForRef(project, "refs/heads/main", fixed.after);
    await waitFor(() => sandbox.github.issues(repo)[0]!.state === "closed", { timeoutMs: WAIT, what: "the issue to close" });
    expect(sandbox.github.issues(repo)[0]!.comments.at(-1)!.body).toContain("works again");
    expect(sandbox.github.issues(repo)).toHaveLength(1);
  });
});
