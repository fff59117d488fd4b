/**
 * A check run that only shows "in progress" when the mirror is still running after a delay. Most
 * mirrors take well under a second, so their check run is created already completed: one GitHub
 * write instead of two (Probot's Octokit spaces writes about a second apart, so under a burst this
 * halves the backlog of reports), and no API request competes with the mirror's own git work.
 */
export const IN_PROGRESS_AFTER_MS = 2_000;
/** A mirror still running after this long shows how far it is (objects received and sent)... */
export const PROGRESS_AFTER_MS = 10_000;
/** ...updated at most this often: each update is a GitHub write, and writes are spaced a second apart. */
export const PROGRESS_EVERY_MS = 5_000;

export interface CheckRunWrites<Report> {
  /** Creates the run in progress; null if GitHub refused (already logged). */
  start(): Promise<number | null>;
  /** Shows a progress line on the run in progress (failures already logged). */
  progress(id: number, line: string): Promise<void>;
  complete(id: number, report: Report): Promise<void>;
  /** Creates the run completed, started at `startedAt`. */
  createCompleted(report: Report, startedAt: Date): Promise<void>;
}

export class DeferredCheckRun<Report> {
  private readonly startedAt = new Date();
  private readonly timer: NodeJS.Timeout;
  private started: Promise<number | null> | undefined;
  private finished = false;
  /** The latest progress line, written when the throttle allows; only the newest one matters. */
  private latest: string | undefined;
  private progressTimer: NodeJS.Timeout | undefined;
  private lastProgressAt = 0;
  private progressWrite: Promise<void> = Promise.resolve();

  constructor(
    private readonly writes: CheckRunWrites<Report>,
    delayMs = IN_PROGRESS_AFTER_MS,
  ) {
    this.timer = setTimeout(() => (this.started = writes.start()), delayMs);
  }

  /** A new progress line: shown from PROGRESS_AFTER_MS into the mirror, at most every PROGRESS_EVERY_MS. */
  progress(line: string): void {
    this.latest = line;
    if (this.finished || this.progressTimer) return;
    const now = Date.now();
    const wait = Math.max(this.startedAt.getTime() + PROGRESS_AFTER_MS - now, this.lastProgressAt + PROGRESS_EVERY_MS - now, 0);
    this.progressTimer = setTimeout(() => {
      this.progressTimer = undefined;
      this.progressWrite = this.progressWrite.then(() => this.writeProgress());
    }, wait);
    this.progressTimer.unref();
  }

  private async writeProgress(): Promise<void> {
    const id = this.started ? await this.started : null;
    if (id === null || this.finished || this.latest === undefined) return;
    this.lastProgressAt = Date.now();
    await this.writes.progress(id, this.latest);
  }

  /** Completes the run: an update if it was shown in progress, else one create. */
  async finish(report: Report): Promise<void> {
    clearTimeout(this.timer);
    this.finished = true;
    clearTimeout(this.progressTimer);
    await this.progressWrite; // a progress line written after the report would replace it
    const id = this.started ? await this.started : null;
    if (id !== null) await this.writes.complete(id, report);
    else await this.writes.createCompleted(report, this.startedAt);
  }
}
