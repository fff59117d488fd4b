/**
 * Which GitHub repositories have mirrors, and to which GitLab projects: built from the
 * `.mirror.yml` files the app has read (at start, on installation events, and whenever a job
 * reads a config). Used to route GitLab webhooks to a GitHub repository and to know what to
 * reconcile. It is a cache: every action confirms against the config it reads again.
 */
import type { MirrorConfig } from "../config/schema.js";

export interface IndexedRepository {
  installationId: number;
  owner: string;
  repo: string;
  mirrors: MirrorConfig[];
}

const keyOf = (owner: string, repo: string) => `${owner}/${repo}`.toLowerCase();
const projectKey = (project: string | number) => String(project).toLowerCase();

export class MirrorIndex {
  private readonly repos = new Map<string, IndexedRepository>();

  /** Records a repository's mirrors; an empty list removes it. */
  set(entry: IndexedRepository): void {
    const key = keyOf(entry.owner, entry.repo);
    if (entry.mirrors.length === 0) this.repos.delete(key);
    else this.repos.set(key, entry);
  }

  remove(owner: string, repo: string): void {
    this.repos.delete(keyOf(owner, repo));
  }

  removeInstallation(installationId: number): IndexedRepository[] {
    const removed = [...this.repos.values()].filter((r) => r.installationId === installationId);
    for (const entry of removed) this.repos.delete(keyOf(entry.owner, entry.repo));
    return removed;
  }

  get(owner: string, repo: string): IndexedRepository | undefined {
    return this.repos.get(keyOf(owner, repo));
  }

  all(): IndexedRepository[] {
    return [...this.repos.values()];
  }

  /** Repositories with a mirror naming this GitLab project (by path or numeric id) in one of `directions`. */
  byGitLabProject(identifiers: Array<string | number>, directions: Array<MirrorConfig["direction"]>): IndexedRepository[] {
    const wanted = new Set(identifiers.map(projectKey));
    return this.all().filter((entry) => entry.mirrors.some((m) => wanted.has(projectKey(m.gitlab)) && directions.includes(m.direction)));
  }
}
