/**
 * The repositories a benchmark works on: a GitHub repository whose `.mirror.yml` names a GitLab
 * project (the pair mirror-bot serves), optionally with a long seeded history, and the signed push
 * webhook GitHub would send for it.
 */
import { ZERO_SHA, type AppProcess, type DeliveryResult, type PushResult, type Sandbox } from "../sandbox/index.js";

export interface LinkedRepo {
  /** `owner/name` on the fake GitHub. */
  repo: string;
  /** `group/project` on the fake GitLab. */
  project: string;
  /** The GitLab project's bare repository on disk (watched for the mirrored ref). */
  gitlabDir: string;
}

export const MAIN = "refs/heads/main";

/** A GitHub repository (one commit: `.mirror.yml` and a README) mirrored to a new GitLab project. */
export async function createLinkedRepo(sandbox: Sandbox, { name, project }: { name: string; project: string }): Promise<LinkedRepo> {
  const created = await sandbox.gitlab.createProject({ path: project });
  const { fullName } = await sandbox.github.createRepo({
    owner: "octo",
    name,
    files: { ".mirror.yml": `mirrors:\n  - gitlab: ${project}\n`, "README.md": `# ${name}\n` },
  });
  return { repo: fullName, project, gitlabDir: created.bareDir };
}

export async function githubTip(sandbox: Sandbox, repo: string): Promise<string> {
  const tip = (await sandbox.github.refs(repo)).get(MAIN);
  if (!tip) throw new Error(`${repo} has no ${MAIN}`);
  return tip;
}

/**
 * A GitHub repository whose main branch was just pushed with a long realistic history (seeded by
 * the fake: written once per size, shared by hard links) and its `.mirror.yml` on top, naming a new
 * GitLab project. `push` is what GitHub's webhook says: main created, at the tip.
 */
export async function createHistoryRepo(
  sandbox: Sandbox,
  { name, project, commits }: { name: string; project: string; commits: number },
): Promise<{ pair: LinkedRepo; push: { before: string; after: string }; seedMs: number }> {
  const created = await sandbox.gitlab.createProject({ path: project });
  const { fullName } = await sandbox.github.createRepo({ owner: "octo", name });
  const started = performance.now();
  const after = await sandbox.github.seedHistory(fullName, { commits, files: { ".mirror.yml": `mirrors:\n  - gitlab: ${project}\n`, "README.md": `# ${name}\n` } });
  return { pair: { repo: fullName, project, gitlabDir: created.bareDir }, push: { before: ZERO_SHA, after }, seedMs: performance.now() - started };
}

/** One new commit on main, pushed as a developer over git HTTP (no webhook is sent). */
export function pushCommit(sandbox: Sandbox, repo: string, label: string): Promise<PushResult> {
  return sandbox.github.commitAndPush(repo, { branch: "main", files: { [`bench/${label}.txt`]: `${label}\n` } });
}

/** New commits on main (one per label, each adding a file like pushCommit's), pushed together. */
export function pushCommits(sandbox: Sandbox, repo: string, labels: string[]): Promise<PushResult> {
  return sandbox.github.commitAndPush(repo, { branch: "main", series: labels.map((label) => ({ files: { [`bench/${label}.txt`]: `${label}\n` } })) });
}

/** A `push` payload, built before any timer starts so only the delivery is timed. */
export function pushPayload(sandbox: Sandbox, repo: string, push: { before: string; after: string }): Record<string, unknown> {
  return sandbox.github.pushEvent(repo, { ref: MAIN, before: push.before, after: push.after });
}

/** Sends the signed webhook to the app; resolves once the app has answered. */
export function deliver(sandbox: Sandbox, app: AppProcess, payload: Record<string, unknown>, deliveryId?: string): Promise<DeliveryResult> {
  return sandbox.github.deliver(app.webhookUrl, "push", payload, deliveryId ? { deliveryId } : {});
}
