/**
 * Work that follows a job but must not hold up the next one: completing check runs. GitHub write
 * requests are spaced a second apart by Octokit's throttling, so a job that waited for its reports
 * would keep its repository locked and delay the next push's mirror. Shutdown waits for these.
 *
 * A task that rejects is logged once, here, with what it was doing and the logger's bindings (the
 * repository, for a job's tasks: see `scoped`). Tasks that catch and log their own failures
 * resolve, so they are not logged twice.
 */
import type { Logger } from "pino";

export type TaskLog = Pick<Logger, "warn">;

export interface TaskContext {
  /** What the task does, as the end of "could not …": "report the invalid config on abc1234". */
  what: string;
  /** A logger bound to the task's own context (repository, delivery); else the one of these tasks. */
  log?: TaskLog;
}

export class BackgroundTasks {
  constructor(
    private readonly log: TaskLog & Pick<Logger, "child">,
    private readonly running = new Set<Promise<unknown>>(),
  ) {}

  run(task: Promise<unknown>, context: TaskContext): void {
    const tracked = task.catch((error: unknown) => (context.log ?? this.log).warn({ err: error }, `could not ${context.what}`)).finally(() => this.running.delete(tracked));
    this.running.add(tracked);
  }

  /** The same tasks (drained together), logged with these bindings: one job's, `{ repo: "owner/name" }`. */
  scoped(bindings: Record<string, unknown>): BackgroundTasks {
    return new BackgroundTasks(this.log.child(bindings), this.running);
  }

  get size(): number {
    return this.running.size;
  }

  /** Resolves when every task started so far (and any they started) has settled. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }
}
