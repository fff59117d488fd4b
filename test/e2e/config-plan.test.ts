/**
 * The "Mirror config (.mirror.yml)" check run as the plan of what merging a changed file would do,
 * end to end: the real app process, signed push webhooks, the fake GitHub and GitLab over real git.
 * Each test also shows the plan wrote nothing: GitLab's refs and projects are as they were.
 */
import { execFile } from "node:child_process";
import { startE2E, type E2E } from "../helpers/e2e.js";

const CONFIG_CHECK = "Mirror config (.mirror.yml)";
let e2e: E2E;
let counter = 0;

beforeAll(async () => {
  // The operator allows only the `group` namespace: a project elsewhere is outside the policy.
  e2e = await startE2E({ MIRROR_GITLAB_NAMESPACES: "group", LOG_LEVEL: "debug" }); // quiet() reads the debug lines of finished jobs
});

afterAll(async () => {
  await e2e?.stop();
});

const uniqueName = (prefix: string) => `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`;

/** A GitHub repository that mirrors nothing yet (no .mirror.yml on its default branch). */
async function plainRepo(): Promise<string> {
  const { fullName } = await e2e.sandbox.github.createRepo({ owner: "octo", name: uniqueName("plan"), files: { "README.md": "# plan\n" } });
  return fullName;
}

/** Pushes a branch that changes .mirror.yml and waits for the config check run on it. */
async function proposeConfig(repo: string, yml: string) {
  const push = await e2e.sandbox.github.commitAndPush(repo, { branch: uniqueName("config-"), files: { ".mirror.yml": yml } });
  await e2e.deliverPush(repo, push);
  const check = await e2e.waitForCheck(repo, push.after, CONFIG_CHECK);
  await e2e.quiet();
  return check;
}

describe("the config check run shows what merging the file would do", () => {
  it("a new mirror: lists the branches it would create on the GitLab project, and creates none", async () => {
    const repo = await plainRepo();
    const project = await e2e.sandbox.gitlab.createProject({ path: `group/sub/${uniqueName("new")}` });

    const check = await proposeConfig(repo, `mirrors:\n  - gitlab: ${project.path}\n`);

    expect(check.conclusion).toBe("success");
    expect(check.output.title).toBe(".mirror.yml is valid: merging this creates 2 branches on GitLab");
    expect(check.output.summary).toContain(`- Project: [${project.path}](`);
    expect(check.output.summary).toContain("- Access policy: allowed");
    expect(check.output.summary).toContain("- GitLab token: can push");
    expect(check.output.summary).toContain("- On GitLab: 2 to create, 0 unchanged");
    expect(check.output.text).toContain("**Created: 2**");
    expect(check.output.text).toContain("- branch `main`");
    expect((await e2e.sandbox.gitlab.refs(project.path)).size).toBe(0);
  });

  it("turning prune on: the stale branches on GitLab are listed as deletions, neutral, and none is deleted", async () => {
    const project = await e2e.sandbox.gitlab.createProject({ path: `group/sub/${uniqueName("prune")}` });
    const { fullName: repo } = await e2e.sandbox.github.createRepo({
      owner: "octo",
      name: uniqueName("prune"),
      files: { ".mirror.yml": `mirrors:\n  - gitlab: ${project.path}\n    prune: false\n`, "README.md": "# prune\n" },
    });
    // A first sync: main on GitLab, and mirror-bot's cache of the repository's history.
    const main = await e2e.sandbox.github.commitAndPush(repo, { branch: "main", files: { "a.txt": "a" } });
    await e2e.deliverPush(repo, main);
    await e2e.waitForGitLabRef(project.path, "refs/heads/main", main.after);
    await e2e.quiet();
    // 40 branches that exist only on GitLab, each at a commit GitHub's main has: stale.
    const stale = Array.from({ length: 40 }, (_, i) => `refs/heads/stale-${String(i).padStart(2, "0")}`);
    await updateRefs(
      project.bareDir,
      stale.map((ref) => `create ${ref} ${main.after}`),
    );

    const check = await proposeConfig(repo, `mirrors:\n  - gitlab: ${project.path}\n    prune: true\n`);

    expect(check.conclusion).toBe("neutral");
    expect(check.output.title).toBe("Merging this deletes 40 branches on GitLab");
    expect(check.output.text).toContain("**Deleted: 40**");
    expect(check.output.text).toContain("- branch `stale-00`");
    expect(check.output.text).toContain("- branch `stale-39`");
    const refs = await e2e.sandbox.gitlab.refs(project.path);
    expect(stale.filter((ref) => refs.has(ref))).toHaveLength(40);
  });

  it("an unknown project: failure naming it; with create: true, what would be created, and nothing is", async () => {
    const repo = await plainRepo();
    const missing = `group/sub/${uniqueName("missing")}`;

    const failed = await proposeConfig(repo, `mirrors:\n  - gitlab: ${missing}\n`);
    expect(failed.conclusion).toBe("failure");
    expect(failed.output.title).toBe(`Merging this cannot mirror: GitLab project ${missing} does not exist (or mirror-bot's token cannot see it)`);
    expect(failed.output.summary).toContain("add `create: true` so mirror-bot creates it");

    const created = await proposeConfig(repo, `mirrors:\n  - gitlab: ${missing}\n    create: true\n`);
    expect(created.conclusion).toBe("success");
    expect(created.output.title).toBe(".mirror.yml is valid: merging this creates 3 branches on GitLab");
    expect(created.output.summary).toContain(
      `- Project: ${missing} does not exist yet: mirror-bot creates it (public, as the GitHub repository is) on the first sync (\`create: true\`)`,
    );
    const lookup = await fetch(`${e2e.sandbox.gitlab.url}/api/v4/projects/${encodeURIComponent(missing)}`, { headers: { "PRIVATE-TOKEN": e2e.sandbox.gitlab.token } });
    expect(lookup.status).toBe(404);
  });

  it("a project outside the operator's groups: failure with the policy's words, and no refs listed", async () => {
    const repo = await plainRepo();
    const outside = await e2e.sandbox.gitlab.createProject({ path: `elsewhere/${uniqueName("out")}` });

    const check = await proposeConfig(repo, `mirrors:\n  - gitlab: ${outside.path}\n`);

    expect(check.conclusion).toBe("failure");
    expect(check.output.title).toBe(`Merging this cannot mirror: GitLab project ${outside.path} is outside the groups this app may mirror (group)`);
    expect(check.output.summary).toContain("`MIRROR_GITLAB_NAMESPACES`");
    expect(check.output.summary).toContain("nothing would be mirrored until this is fixed");
    expect((await e2e.sandbox.gitlab.refs(outside.path)).size).toBe(0);
  });

  it("an org-wide template: planned for each repository without its own .mirror.yml", async () => {
    const owner = uniqueName("umbrella");
    await e2e.sandbox.github.createRepo({ owner, name: "alpha", files: { "README.md": "a" } });
    await e2e.sandbox.github.createRepo({ owner, name: "beta", files: { "README.md": "b" } });
    await e2e.sandbox.github.createRepo({ owner, name: "opted-out", files: { ".mirror.yml": "mirrors: []\n" } });
    const { fullName: dotGithub } = await e2e.sandbox.github.createRepo({ owner, name: ".github", files: { "README.md": "profile" } });

    const check = await proposeConfig(dotGithub, `mirrors:\n  - gitlab: group/${owner}-{repo}\n    create: true\n`);

    expect(check.conclusion).toBe("success");
    expect(check.output.title).toBe(`.mirror.yml is a valid org-wide template: 1 mirror for each repository of ${owner} without its own .mirror.yml`);
    expect(check.output.summary).toContain(`It applies to 2 repositories of ${owner} without their own .mirror.yml.`);
    expect(check.output.summary).toContain(`### ${owner}/alpha`);
    expect(check.output.summary).toContain(`- Project: group/${owner}-beta does not exist yet: mirror-bot creates it`);
    expect(check.output.summary).not.toContain("opted-out");
    const lookup = await fetch(`${e2e.sandbox.gitlab.url}/api/v4/projects/${encodeURIComponent(`group/${owner}-alpha`)}`, {
      headers: { "PRIVATE-TOKEN": e2e.sandbox.gitlab.token },
    });
    expect(lookup.status).toBe(404);
  });
});

/** Points refs on a bare repository directly (as a GitLab user's pushes would have), in one transaction. */
async function updateRefs(gitDir: string, commands: string[]): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = execFile("git", ["--git-dir", gitDir, "update-ref", "--stdin"], (error) => (error ? reject(error) : resolve()));
    child.stdin!.end(`${commands.join("\n")}\n`);
  });
}
