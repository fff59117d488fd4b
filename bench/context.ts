/** What every phase works with: the sandbox, the running app, plain git, a scratch directory, a logger. */
import type { AppProcess, Sandbox } from "../sandbox/index.js";
import type { GitRunner } from "./git-cli.js";

export interface BenchContext {
  sandbox: Sandbox;
  app: AppProcess;
  git: GitRunner;
  /** Scratch space for baseline clones (inside the sandbox root, removed with it). */
  workDir: string;
  /** Backstop poll of watched refs; fs.watch normally sees a change first. */
  pollMs: number;
  /** MIRROR_ADMIN_TOKEN the app was started with: it lets the bench read the app's /metrics. */
  adminToken: string;
  /** Progress on stderr, so stdout keeps only the results table. */
  log(message: string): void;
}
