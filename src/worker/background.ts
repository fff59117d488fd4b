/**
 * Work that follows a job but must not hold up the next one: completing check runs. GitHub write
 * requests are spaced a second apart by Octokit's throttling, so a job that waited for its reports
 * would keep its repository locked and delay the next push's mirror. Shutdown waits for these.
 */
export class BackgroundTasks {
  private readonly running = new Set<Promise<unknown>>();

  run(task: Promise<unknown>): void {
    const tracked = task.catch(() => undefined).finally(() => this.running.delete(tracked));
    this.running.add(tracked);
  }

  get size(): number {
    return this.running.size;
  }

  /** Resolves when every task started so far (and any they started) has settled. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }
}
