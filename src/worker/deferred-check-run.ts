/**
 * A check run that only shows "in progress" when the mirror is still running after a delay. Most
 * mirrors take well under a second, so their check run is created already completed: one GitHub
 * write instead of two (Probot's Octokit spaces writes about a second apart, so under a burst this
 * halves the backlog of reports), and no API request competes with the mirror's own git work.
 */
export const IN_PROGRESS_AFTER_MS = 2_000;

export interface CheckRunWrites<Report> {
  /** Creates the run in progress; null if GitHub refused (already logged). */
  start(): Promise<number | null>;
  complete(id: number, report: Report): Promise<void>;
  /** Creates the run completed, started at `startedAt`. */
  createCompleted(report: Report, startedAt: Date): Promise<void>;
}

export class DeferredCheckRun<Report> {
  private readonly startedAt = new Date();
  private readonly timer: NodeJS.Timeout;
  private started: Promise<number | null> | undefined;

  constructor(
    private readonly writes: CheckRunWrites<Report>,
    delayMs = IN_PROGRESS_AFTER_MS,
  ) {
    this.timer = setTimeout(() => (this.started = writes.start()), delayMs);
  }

  /** Completes the run: an update if it was shown in progress, else one create. */
  async finish(report: Report): Promise<void> {
    clearTimeout(this.timer);
    const id = this.started ? await this.started : null;
    if (id !== null) await this.writes.complete(id, report);
    else await this.writes.createCompleted(report, this.startedAt);
  }
}
