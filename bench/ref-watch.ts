/**
 * Notices the moment a ref of a bare repository on disk changes, without asking git: the loose ref
 * file (or its line in packed-refs) is read when inotify (fs.watch on the ref's directory) reports
 * a change, and on a slow backstop poll in case an event is missed. Reading one small file costs
 * microseconds, so observing a ref never competes with the work being timed.
 *
 * Resolution: a change seen through fs.watch is timestamped when the event arrives (well under a
 * millisecond after git's rename); one seen only by the poll is at most `pollMs` late. Each watcher
 * counts which path saw each change, and the report prints those counts.
 */
import { watch, type FSWatcher } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";

/** The sha a ref names in a bare repository: its loose file, else its line in packed-refs. */
export async function readRef(gitDir: string, ref: string): Promise<string | null> {
  try {
    const loose = (await readFile(path.join(gitDir, ref), "utf8")).trim();
    if (/^[0-9a-f]{40}$/.test(loose)) return loose;
  } catch {
    // not loose (packed, or absent)
  }
  try {
    const packed = await readFile(path.join(gitDir, "packed-refs"), "utf8");
    const line = packed.split("\n").find((l) => l.endsWith(` ${ref}`));
    return line ? line.slice(0, 40) : null;
  } catch {
    return null;
  }
}

export interface RefObservation {
  sha: string | null;
  /** performance.now() when the check that saw this value started. */
  at: number;
  via: "watch" | "poll" | "initial";
}

export interface WatchStats {
  watch: number;
  poll: number;
}

export class RefWatcher {
  readonly stats: WatchStats = { watch: 0, poll: 0 };
  #current: RefObservation = { sha: null, at: 0, via: "initial" };
  #fsWatchers: FSWatcher[] = [];
  #timer: NodeJS.Timeout | undefined;
  #checking = false;
  #again: "watch" | "poll" | null = null;
  #listeners = new Set<(observation: RefObservation) => void>();

  private constructor(
    readonly gitDir: string,
    readonly ref: string,
  ) {}

  /** Starts watching; the current value is read first, so later changes are never missed. */
  static async start(gitDir: string, ref: string, { pollMs }: { pollMs: number }): Promise<RefWatcher> {
    const watcher = new RefWatcher(gitDir, ref);
    const trigger = () => watcher.#check("watch");
    // The ref's own directory sees git's lock-and-rename; the repository root sees packed-refs.
    for (const dir of new Set([path.dirname(path.join(gitDir, ref)), gitDir])) {
      try {
        watcher.#fsWatchers.push(watch(dir, { persistent: false }, trigger));
      } catch {
        // directory not there yet (a ref in a new namespace): the poll covers it
      }
    }
    watcher.#current = { sha: await readRef(gitDir, ref), at: performance.now(), via: "initial" };
    watcher.#timer = setInterval(() => watcher.#check("poll"), pollMs);
    watcher.#timer.unref();
    return watcher;
  }

  get current(): RefObservation {
    return this.#current;
  }

  /** Called with every new value of the ref. */
  onChange(listener: (observation: RefObservation) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The first observation (the current one included) whose sha satisfies `accept`. */
  until(accept: (sha: string | null) => boolean, timeoutMs: number): Promise<RefObservation> {
    if (accept(this.#current.sha)) return Promise.resolve(this.#current);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`${this.ref} of ${this.gitDir} did not reach the expected value within ${timeoutMs} ms (now ${this.#current.sha})`));
      }, timeoutMs);
      const off = this.onChange((observation) => {
        if (!accept(observation.sha)) return;
        clearTimeout(timer);
        off();
        resolve(observation);
      });
    });
  }

  close(): void {
    clearInterval(this.#timer);
    for (const w of this.#fsWatchers) w.close();
    this.#fsWatchers = [];
    this.#listeners.clear();
  }

  #check(via: "watch" | "poll"): void {
    if (this.#checking) {
      this.#again = this.#again ?? via;
      return;
    }
    this.#checking = true;
    const at = performance.now();
    void readRef(this.gitDir, this.ref).then((sha) => {
      this.#checking = false;
      if (sha !== this.#current.sha) {
        this.#current = { sha, at, via };
        this.stats[via]++;
        for (const listener of [...this.#listeners]) listener(this.#current);
      }
      const again = this.#again;
      this.#again = null;
      if (again) this.#check(again);
    });
  }
}
