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
  /** Updates the output of the run shown in progress (e.g. bytes of a long transfer). */
  progress?(id: number, title: string, summary: string): Promise<void>;
  /** Creates the run completed, started at `startedAt`. */
  createCompleted(report: Report, startedAt: Date): Promise<void>;
}

export class DeferredCheckRun<Report> {
  private readonly startedAt = new Date();
  private readonly timer: NodeJS.Timeout;
  private started: Promise<number | null> | undefined;
  private lastProgress: Promise<void> = Promise.resolve();
  private finished = false;

  constructor(
    private readonly writes: CheckRunWrites<Report>,
    delayMs = IN_PROGRESS_AFTER_MS,
  ) {
    this.timer = setTimeout(() => (this.started = writes.start()), delayMs);
  }

  /**
   * Shows how far the mirror is, once the run is shown in progress (a quicker mirror needs no
   * progress). Callers throttle; writes never overlap, and none follows the completion.
   */
  progress(title: string, summary: string): void {
    const progress = this.writes.progress;
    if (!this.started || this.finished || !progress) return;
    const started = this.started;
    this.lastProgress = this.lastProgress.then(async () => {
      const id = await started;
      if (id !== null && !this.finished) await progress(id, title, summary);
    });
  }

  /** Completes the run: an update if it was shown in progress, else one create. */
  async finish(report: Report): Promise<void> {
    clearTimeout(this.timer);
    this.finished = true;
    await this.lastProgress;
    const id = this.started ? await this.started : null;
    if (id !== null) await this.writes.complete(id, report);
    else await this.writes.createCompleted(report, this.startedAt);
  }
}
