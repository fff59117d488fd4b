/**
 * Intake first. While deliveries arrive in a burst (two closer together than `quietMs`), a queue
 * holds back starting jobs: every job starts git processes, and on a small machine those take the
 * cores the app needs to answer the deliveries still coming in. Jobs start once intake has been
 * quiet for `quietMs`, or once the job has waited `maxHoldMs`, whichever comes first. A lone push
 * is never held, so a single push mirrors as fast as before; a held job also gathers the burst's
 * later deliveries for its repository, so a burst becomes fewer jobs.
 */

export interface IntakePacing {
  /** Intake is "quiet" after this long without an arrival; 0 turns pacing off. */
  quietMs: number;
  /** The longest a job is held back, however long the burst lasts. */
  maxHoldMs: number;
}

/**
 * 100 ms of quiet, not less: on a busy 2-core machine a burst's deliveries can pause 30–80 ms, and
 * at 25 ms such a pause started jobs mid-burst. At most 3 s: on that machine 1,000 deliveries took
 * 0.8–1.4 s to arrive, and a 1 s bound started every held job while a third of them still came in.
 */
export const DEFAULT_INTAKE_PACING: IntakePacing = { quietMs: 100, maxHoldMs: 3000 };

export class IntakePacer {
  private lastArrival = -Infinity;
  private inBurst = false;

  constructor(
    private readonly pacing: IntakePacing,
    /** Milliseconds, on the clock `waitingSince` values are read from. */
    private readonly now: () => number = Date.now,
  ) {}

  /** A job was enqueued (a delivery arrived, or a sync was requested). */
  arrived(): void {
    const now = this.now();
    this.inBurst = this.pacing.quietMs > 0 && now - this.lastArrival < this.pacing.quietMs;
    this.lastArrival = now;
  }

  /** How long a job waiting since `waitingSince` (a `now()` reading) should still be held; 0: start it now. */
  holdFor(waitingSince: number): number {
    if (!this.inBurst) return 0;
    const now = this.now();
    const untilQuiet = this.lastArrival + this.pacing.quietMs - now;
    return Math.max(0, Math.min(untilQuiet, waitingSince + this.pacing.maxHoldMs - now));
  }

  /** Resolves when a job waiting since `waitingSince` may start. */
  async waitForTurn(waitingSince: number): Promise<void> {
    for (let hold = this.holdFor(waitingSince); hold > 0; hold = this.holdFor(waitingSince)) {
      await new Promise((resolve) => setTimeout(resolve, hold));
    }
  }
}
