/**
 * Which GitHub repositories pull from a GitLab project, when the index may not know yet: a GitLab
 * push names no installation, so on a miss the index is refreshed by rescanning the installations'
 * configs before the push is dropped. A rescan reads every repository's config, so it is rate-
 * limited per project (once per `minRescanMs`, 10 s) and shared: a miss while a rescan runs waits
 * for that one. When a complete rescan finds no mirror pulling from the project, the hooks the app
 * registered there are deleted, so a stale hook cannot cause rescans for ever. The same check runs
 * when a config stops naming a project (a job read it: `recorded`).
 *
 * Bounded state: `rescannedAt` holds one time per project rescanned for in the last `minRescanMs`;
 * older entries are removed on every use.
 */
import type { Logger } from "pino";
import type { HookRegistrar } from "../gitlab/hooks.js";
import { pipelinesOn } from "../config/schema.js";
import { projectKey, type IndexedRepository, type LinkChange, type MirrorIndex } from "./mirror-index.js";

export const MIN_RESCAN_MS = 10_000;

export interface RescanResult {
  /** False when a config or an installation could not be read: absence proves nothing then. */
  complete: boolean;
}

export interface ProjectLinksOptions {
  index: Pick<MirrorIndex, "byGitLabProject">;
  /** Reads every installation's configs into the index (scan-installations.ts). */
  rescan(): Promise<RescanResult>;
  hooks: Pick<HookRegistrar, "remove" | "forget">;
  log: Pick<Logger, "info" | "warn" | "debug">;
  now?: () => number;
  minRescanMs?: number;
}

/** A GitLab project as a push names it (numeric id and path) or as a config does (either). */
export type ProjectRef = { id: number; path?: string } | { id?: number; path: string };

export interface Routing {
  linked: IndexedRepository[];
  /** Why nothing is linked (set when `linked` is empty). */
  reason?: string;
}

export class ProjectLinks {
  private readonly rescannedAt = new Map<string, number>();
  private running: Promise<RescanResult> | null = null;

  constructor(private readonly options: ProjectLinksOptions) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private identifiers(project: ProjectRef): Array<string | number> {
    return [project.path, project.id].filter((x): x is string | number => x !== undefined);
  }

  /** What the index knows now, without a rescan (a GitLab push answers at once with this). */
  known(project: ProjectRef): Promise<IndexedRepository[]> {
    return this.options.index.byGitLabProject(this.identifiers(project), ["pull", "both"]);
  }

  /** Repositories reporting this project's pipelines (`pipelines:`), as the index knows them now. */
  reportingPipelines(project: ProjectRef): Promise<IndexedRepository[]> {
    return this.options.index.byGitLabProject(this.identifiers(project), pipelinesOn);
  }

  /** After a miss: rescans (unless done for this project within the window), looks again, and deletes the app's hooks if nothing pulls from it. */
  async afterMiss(project: ProjectRef): Promise<Routing> {
    const rescan = await this.rescanFor(projectKey((project.path ?? project.id)!));
    if (!rescan) return { linked: [], reason: `no repository pulls from it, and the configs were rescanned less than ${this.minRescanMs() / 1000} s ago` };
    const linked = await this.known(project);
    if (linked.length > 0) return { linked };
    if (!rescan.complete) return { linked: [], reason: "no repository pulls from it, as far as a rescan could read (some configs were unreadable)" };
    // The hook also carries pipeline events for the mirrors reporting them: it stays for those.
    if ((await this.reportingPipelines(project)).length > 0) return { linked: [], reason: "no repository pulls from it (it is kept for the pipelines a mirror reports)" };
    return { linked: [], reason: `no repository pulls from it (rescanned every installation's configs)${await this.removeHooks((project.id ?? project.path)!)}` };
  }

  /** After a job read a config: a project it newly pulls from gets its hook checked again; one it left may have lost its last mirror. */
  async recorded(change: LinkChange): Promise<void> {
    for (const project of change.linked) this.options.hooks.forget(project);
    for (const project of change.unlinked) {
      const routing = await this.afterMiss(/^\d+$/.test(project) ? { id: Number(project) } : { path: project });
      if (routing.linked.length === 0) this.options.log.info({ project, reason: routing.reason }, "GitLab project no longer pulled from by this repository");
    }
  }

  private minRescanMs(): number {
    return this.options.minRescanMs ?? MIN_RESCAN_MS;
  }

  /** The rescan's result, or null when this project had one within the window. */
  private async rescanFor(key: string): Promise<RescanResult | null> {
    const now = this.now();
    for (const [project, at] of this.rescannedAt) if (now - at >= this.minRescanMs()) this.rescannedAt.delete(project);
    if (this.rescannedAt.has(key)) return null;
    this.rescannedAt.set(key, now);
    this.running ??= this.options.rescan().finally(() => (this.running = null));
    return this.running.catch((error) => {
      this.options.log.warn({ err: error, project: key }, "could not rescan the installations' configs for a GitLab push");
      return { complete: false };
    });
  }

  /** ", and its webhook was deleted" or why not; never throws (logged once). */
  private async removeHooks(project: number | string): Promise<string> {
    try {
      const removal = await this.options.hooks.remove(project);
      if ("skipped" in removal) return `; its webhook was kept: ${removal.skipped}`;
      return removal.removed > 0 ? "; the app's webhook on it was deleted" : "";
    } catch (error) {
      this.options.log.warn({ err: error, project }, "could not delete the app's webhook from a GitLab project no repository pulls from");
      return "; deleting the app's webhook on it failed";
    }
  }
}
