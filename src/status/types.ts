/**
 * What operators see: the latest state of every mirror, and the counters behind /metrics.
 * The worker and handlers report through these two interfaces and know nothing else about them.
 */
export interface MirrorStatusRecord {
  installationId: number;
  owner: string;
  repo: string;
  /** Private repository names are only ever shown to a holder of MIRROR_ADMIN_TOKEN. */
  private: boolean;
  direction: "push" | "pull" | "both";
  /** GitLab project path, e.g. group/sub/project. */
  target: string;
  targetUrl?: string;
  lastSyncAt: string; // ISO 8601
  lastResult: "success" | "failure";
  /** The check run title, one line. */
  lastTitle: string;
  /** The last error in plain words (absent while succeeding). */
  lastError?: string;
  /** Refs that differ between the two sides after the last run (refused or not yet pushed). */
  lagRefs: number;
  durationMs: number;
  consecutiveFailures: number;
}

export interface StatusStore {
  record(record: MirrorStatusRecord): Promise<void>;
  list(): Promise<MirrorStatusRecord[]>;
  /** The latest record of one mirror (names compared case-insensitively), e.g. to count consecutive failures. */
  get?(mirror: Pick<MirrorStatusRecord, "owner" | "repo" | "target">): Promise<MirrorStatusRecord | undefined>;
  /** Forgets every record of a repository (it left the installation); answers how many. */
  removeRepository(owner: string, repo: string): Promise<number>;
}

export interface Metrics {
  jobFinished(labels: { direction: string; result: "success" | "failure" }, durationMs: number): void;
  webhookReceived(labels: { event: string; outcome: string }): void;
  retried(labels: { reason: string }): void;
  setQueueDepth(depth: number): void;
  setLaggingRefs(count: number): void;
}
