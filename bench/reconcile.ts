/**
 * Reconciliation at org scale: one installation with `repos` repositories, each already mirrored
 * (the same one-commit history on both sides, real bare repositories served by git http-backend),
 * and two passes over all of them, run by the app's own modules in a process of their own
 * (reconcile-pass.ts). The first pass is the one after a start (no ETag known yet); the second is
 * the steady state, reported. Counted from the fakes' request logs, per pass:
 * - GitHub REST requests that count against the installation's rate limit: installation-token
 *   requests not answered 304 (a 304 to a conditional request costs nothing; the app's own JWT
 *   requests, to issue tokens, count against the app's limit, not the installation's);
 * - GitLab API requests; `ls-remote` processes (one `info/refs` request each, on either fake).
 */
import { fork } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { writeCommits } from "../sandbox/fast-import.js";
import { startSandbox, type LoggedRequest, type Sandbox } from "../sandbox/index.js";
import { round } from "./stats.js";

export interface ReconcileOptions {
  repos: number;
  setupConcurrency: number;
  /** How long both fakes hold back every REST answer, when they can (h-bench's `--api-latency-ms`). */
  apiLatencyMs: number;
  timeoutMs: number;
}

/** GitHub's rate limit for an installation: 5,000 requests an hour at the least (more for large organisations). */
export const INSTALLATION_RATE_LIMIT_PER_HOUR = 5_000;
const INTERVAL_S = 3_600;

export interface PassCounts {
  ms: number;
  /** Syncs the pass queued (drift found); 0 for an unchanged installation. */
  queued: number;
  githubCounted: number;
  githubNotModified: number;
  githubAppJwt: number;
  gitlabApi: number;
  lsRemote: number;
}

export interface ReconcileResult {
  repos: number;
  /** Latency the fakes applied to REST answers (0 when they have none). */
  apiLatencyMs: number;
  setupMs: number;
  /** 1-minute load average when the passes started and ended (other work on the machine slows every process). */
  load: { start: number; end: number };
  scan: { ms: number; githubCounted: number };
  first: PassCounts;
  steady: PassCounts;
  perRepo: { githubCounted: number; gitlabApi: number; lsRemote: number; ms: number };
  peakRssMb: number;
  /**
   * Largest installation one pass an hour can serve: within the rate limit in the steady state
   * (null: no counted request), within it in the hour after a start (the scan and the first pass,
   * with no ETag known), and within the hour at this pass's pace.
   */
  largest: { byRateLimit: number | null; afterStart: number; byTime: number };
  problems: string[];
}

const here = path.dirname(fileURLToPath(import.meta.url));

export async function runReconcileBench(options: ReconcileOptions, log: (message: string) => void): Promise<ReconcileResult> {
  const sandbox = await startSandbox();
  const applied = setLatency(sandbox, options.apiLatencyMs);
  try {
    log(`reconcile: creating ${options.repos} mirrored repositories (REST latency ${applied} ms)`);
    const setupStarted = performance.now();
    await inBatches(options.repos, options.setupConcurrency, (i) => createMirroredPair(sandbox, i));
    const setupMs = performance.now() - setupStarted;
    log(`reconcile: set up in ${(setupMs / 1000).toFixed(1)} s; scanning and running two passes`);
    const loadAtStart = os.loadavg()[0]!;
    const run = await runPasses(sandbox, options.timeoutMs);
    const steady = run.passes[1]!;
    const per = (n: number) => n / options.repos;
    const problems = [
      ...(run.scanned === options.repos ? [] : [`the scan found ${run.scanned} of ${options.repos} repositories with a mirror`]),
      ...run.passes.flatMap((p, i) => (p.queued > 0 ? [`pass ${i + 1} found drift in ${p.queued} repositories that have none`] : [])),
      ...sandbox.github.errors.map((e) => `fake GitHub handler error: ${e.message}`),
      ...sandbox.gitlab.errors.map((e) => `fake GitLab handler error: ${e.message}`),
    ];
    return {
      repos: options.repos,
      apiLatencyMs: applied,
      setupMs,
      load: { start: round(loadAtStart, 2), end: round(os.loadavg()[0]!, 2) },
      scan: run.scan,
      first: run.passes[0]!,
      steady,
      perRepo: { githubCounted: per(steady.githubCounted), gitlabApi: per(steady.gitlabApi), lsRemote: per(steady.lsRemote), ms: per(steady.ms) },
      peakRssMb: run.hwmMb,
      largest: {
        byRateLimit: steady.githubCounted > 0 ? Math.floor(INSTALLATION_RATE_LIMIT_PER_HOUR / per(steady.githubCounted)) : null,
        afterStart: Math.floor(INSTALLATION_RATE_LIMIT_PER_HOUR / per(run.scan.githubCounted + run.passes[0]!.githubCounted)),
        byTime: Math.floor((INTERVAL_S * 1000) / per(steady.ms)),
      },
      problems,
    };
  } finally {
    await sandbox.close();
  }
}

/** The fakes' REST latency, where they have one (`apiLatencyMs`); what was applied. */
function setLatency(sandbox: Sandbox, ms: number): number {
  const fakes = [sandbox.github, sandbox.gitlab] as unknown as Array<{ apiLatencyMs?: number }>;
  if (ms <= 0 || !fakes.every((f) => "apiLatencyMs" in f)) return 0;
  for (const fake of fakes) fake.apiLatencyMs = ms;
  return ms;
}

const FIXED_TIME = 1_700_000_000;

/** One repository and its project with the same commit (written alike, so the same sha): nothing to sync. */
async function createMirroredPair(sandbox: Sandbox, i: number): Promise<void> {
  const name = `r${String(i).padStart(5, "0")}`;
  const project = `mirror/${name}`;
  const [repo, created] = await Promise.all([sandbox.github.createRepo({ owner: "bench-org", name }), sandbox.gitlab.createProject({ path: project })]);
  const commit = {
    message: "Initial commit",
    files: { ".mirror.yml": `mirrors:\n  - gitlab: ${project}\n`, "README.md": `# ${name}\n` },
    author: { name: "Bench", email: "bench@sandbox.test" },
    time: FIXED_TIME,
  };
  await Promise.all([repo.bareDir, created.bareDir].map((dir) => writeCommits(dir, { ref: "refs/heads/main", commits: [commit] })));
}

async function inBatches(count: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await fn(next++);
    }),
  );
}

interface Marks {
  github: number;
  gitlab: number;
}

function count(sandbox: Sandbox, from: Marks): Omit<PassCounts, "ms" | "queued"> {
  const github = sandbox.github.requests.slice(from.github);
  const gitlab = sandbox.gitlab.requests.slice(from.gitlab);
  const api = (r: LoggedRequest, prefix: string) => r.path.startsWith(prefix);
  const auth = (r: LoggedRequest) => String(r.headers.authorization ?? "");
  const lsRemote = (r: LoggedRequest) => r.method === "GET" && /\/info\/refs\?service=git-upload-pack$/.test(r.path);
  return {
    githubCounted: github.filter((r) => api(r, "/api/v3/") && r.status !== 304 && /^token /i.test(auth(r))).length,
    githubNotModified: github.filter((r) => api(r, "/api/v3/") && r.status === 304).length,
    githubAppJwt: github.filter((r) => api(r, "/api/v3/") && /^bearer /i.test(auth(r))).length,
    gitlabApi: gitlab.filter((r) => api(r, "/api/v4/")).length,
    lsRemote: [...github, ...gitlab].filter(lsRemote).length,
  };
}

async function runPasses(sandbox: Sandbox, timeoutMs: number) {
  const marks = (): Marks => ({ github: sandbox.github.requests.length, gitlab: sandbox.gitlab.requests.length });
  const child = fork(path.join(here, "reconcile-pass.js"), [], {
    env: { ...sandbox.appEnv({ LOG_LEVEL: "warn" }), INSTALLATION_ID: String(sandbox.github.installationId) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const messages: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  child.on("message", (m) => {
    messages.push(m as Record<string, unknown>);
    waiters.shift()?.();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const receive = async (kind: string) => {
    const deadline = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    try {
      while (!messages.some((m) => m.kind === kind)) {
        const got = new Promise<void>((resolve) => waiters.push(resolve));
        if ((await Promise.race([got.then(() => "message"), exited.then(() => "exit")])) === "exit" && !messages.some((m) => m.kind === kind)) {
          throw new Error(`the reconciliation process exited before "${kind}"`);
        }
      }
      const index = messages.findIndex((m) => m.kind === kind);
      return messages.splice(index, 1)[0]!;
    } finally {
      clearTimeout(deadline);
    }
  };
  try {
    const scanFrom = marks();
    const scanStarted = performance.now();
    const scanned = Number((await receive("scanned")).repositories);
    const scan = { ms: performance.now() - scanStarted, githubCounted: count(sandbox, scanFrom).githubCounted };
    const passes: PassCounts[] = [];
    for (let i = 0; i < 2; i++) {
      const from = marks();
      child.send("pass");
      const done = await receive("passed");
      passes.push({ ms: Number(done.ms), queued: Number(done.queued), ...count(sandbox, from) });
    }
    child.send("exit");
    const hwmMb = Number((await receive("memory")).hwmMb);
    await exited;
    return { scanned, scan: { ...scan, ms: round(scan.ms, 0) }, passes, hwmMb };
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
}
