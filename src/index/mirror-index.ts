/**
 * Which GitHub repositories have mirrors, and to which GitLab projects: built from the
 * `.mirror.yml` files the app has read (at start, on installation events, whenever a job reads a
 * config, and when a GitLab push names a project nobody is known to pull from). Used to route
 * GitLab webhooks to a GitHub repository and to know what to reconcile. It is a cache: every
 * action confirms against the config it reads again.
 *
 * Two copies: the local one (what this process read: the reconciliation pass walks it) and, with
 * REDIS_URL, a shared one (redis-index.ts) that every replica writes and routes GitLab webhooks by,
 * so what any replica has read, every replica knows. An entry leaves both when the repository's
 * config has no mirror any more, or when the repository leaves the installation (remove, prune,
 * removeInstallation).
 */
import { pipelinesOn, type MirrorConfig } from "../config/schema.js";

export interface IndexedRepository {
  installationId: number;
  owner: string;
  repo: string;
  mirrors: MirrorConfig[];
}

/** What a config change did to the GitLab projects whose hook it needs (pulled from, or reporting pipelines; keys: projectKey). */
export interface LinkChange {
  /** Projects the repository now needs the hook of and did not before. */
  linked: string[];
  /** Projects the repository needed the hook of before and no longer does. */
  unlinked: string[];
}

/** The copy every replica shares (redis-index.ts). */
export interface SharedIndex {
  /** Replaces a repository's entry (null: removes it); answers the entry it replaced. */
  swap(key: string, entry: IndexedRepository | null): Promise<IndexedRepository | null>;
  /** Entries with a mirror naming one of these projects (projectKey), in any direction. */
  byProjects(projectKeys: string[]): Promise<IndexedRepository[]>;
  ofInstallation(installationId: number): Promise<IndexedRepository[]>;
  close(): Promise<void>;
}

export const repoKey = (owner: string, repo: string) => `${owner}/${repo}`.toLowerCase();
export const projectKey = (project: string | number) => String(project).toLowerCase();
/** Mirrors that need the app's GitLab project hook: those that pull, and those that report pipelines. */
export const usesHook = (mirror: MirrorConfig) => mirror.direction !== "push" || pipelinesOn(mirror);

/** Projects (projectKey) an entry's mirrors name in one of `directions` (or that pass `which`). */
export function projectsOf(
  entry: IndexedRepository | null | undefined,
  directions: Array<MirrorConfig["direction"]> | ((mirror: MirrorConfig) => boolean) = ["push", "pull", "both"],
): string[] {
  const which = typeof directions === "function" ? directions : (m: MirrorConfig) => directions.includes(m.direction);
  return [...new Set((entry?.mirrors ?? []).filter(which).map((m) => projectKey(m.gitlab)))];
}

export class MirrorIndex {
  private readonly repos = new Map<string, IndexedRepository>();

  constructor(private readonly shared?: SharedIndex) {}

  /** Records a repository's mirrors (an empty list removes it); answers which projects needing the hook (usesHook) it gained and lost. */
  async set(entry: IndexedRepository): Promise<LinkChange> {
    const key = repoKey(entry.owner, entry.repo);
    const kept = entry.mirrors.length > 0 ? entry : null;
    const local = this.repos.get(key) ?? null;
    if (kept) this.repos.set(key, kept);
    else this.repos.delete(key);
    // The shared copy knows what any replica read last; the local one only what this process did.
    const previous = this.shared ? await this.shared.swap(key, kept) : local;
    const before = new Set(projectsOf(previous, usesHook));
    const after = new Set(projectsOf(kept, usesHook));
    return { linked: [...after].filter((p) => !before.has(p)), unlinked: [...before].filter((p) => !after.has(p)) };
  }

  async remove(owner: string, repo: string): Promise<void> {
    this.repos.delete(repoKey(owner, repo));
    await this.shared?.swap(repoKey(owner, repo), null);
  }

  /** Forgets every repository of an installation (it was deleted); answers them. */
  async removeInstallation(installationId: number): Promise<IndexedRepository[]> {
    const local = [...this.repos.values()].filter((r) => r.installationId === installationId);
    const shared = this.shared ? await this.shared.ofInstallation(installationId) : [];
    const all = new Map([...local, ...shared].map((e) => [repoKey(e.owner, e.repo), e]));
    for (const entry of all.values()) await this.remove(entry.owner, entry.repo);
    return [...all.values()];
  }

  /** After a full scan of an installation: forgets its repositories the scan did not list (they left it unseen). */
  async prune(installationId: number, listed: Set<string>): Promise<void> {
    const local = [...this.repos.values()].filter((r) => r.installationId === installationId);
    const shared = this.shared ? await this.shared.ofInstallation(installationId) : [];
    for (const entry of [...local, ...shared]) {
      if (!listed.has(repoKey(entry.owner, entry.repo))) await this.remove(entry.owner, entry.repo);
    }
  }

  get(owner: string, repo: string): IndexedRepository | undefined {
    return this.repos.get(repoKey(owner, repo));
  }

  /** What this process has read (the reconciliation pass walks these). */
  all(): IndexedRepository[] {
    return [...this.repos.values()];
  }

  /** Repositories with a mirror naming this GitLab project (by path or numeric id) in one of `directions` (or passing `which`); shared when there is a shared copy. */
  async byGitLabProject(identifiers: Array<string | number>, directions: Array<MirrorConfig["direction"]> | ((mirror: MirrorConfig) => boolean)): Promise<IndexedRepository[]> {
    const wanted = identifiers.map(projectKey);
    const which = typeof directions === "function" ? directions : (m: MirrorConfig) => directions.includes(m.direction);
    const candidates = this.shared ? await this.shared.byProjects(wanted) : this.all();
    return candidates.filter((entry) => entry.mirrors.some((m) => wanted.includes(projectKey(m.gitlab)) && which(m)));
  }

  async close(): Promise<void> {
    await this.shared?.close();
  }
}
